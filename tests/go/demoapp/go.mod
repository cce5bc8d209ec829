module gotrace.test/demoapp

go 1.17
