module gotrace.test/cgowait

go 1.17
