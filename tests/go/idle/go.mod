module gotrace.test/idle

go 1.17
