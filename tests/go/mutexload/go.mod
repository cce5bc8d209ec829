module gotrace.test/mutexload

go 1.17
