module gotrace.test/gcload

go 1.17
