module gotrace.test/memload

go 1.17

require gotrace.test/golib v0.0.0

replace gotrace.test/golib => ../../golib
