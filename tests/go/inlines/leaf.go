package main

// leaf is inlined into its callers: its frames come from another file than theirs.
func leaf(x int) []uintptr {
	if x > 1000 {
		sink++
	}
	return record()
}
