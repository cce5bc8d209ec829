//go:build !cgo

package main

func cTimedWaits(n int) int { return -1 }

func cEpollTimeouts(n int) (timeouts, interrupted int) { return -1, 0 }
