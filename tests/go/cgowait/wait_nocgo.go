//go:build !cgo

package main

func cTimedWaits(n int) int { return -1 }
