module gotrace.test/golib

go 1.17
