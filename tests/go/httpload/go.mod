module gotrace.test/httpload

go 1.17
