module gotrace.test/hotspots

go 1.17
