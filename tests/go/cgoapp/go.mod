module gotrace.test/cgoapp

go 1.17
