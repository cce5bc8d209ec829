// cgoapp is a small cgo program: a Go binary whose text also holds C code, for the binary-reader tests.
package main

// static int add(int a, int b) { return a + b; }
import "C"

import (
	"fmt"
	"runtime"
)

//go:noinline
func goAdd(a, b int) int { return int(C.add(C.int(a), C.int(b))) }

func main() {
	fmt.Println(goAdd(2, 3), runtime.Version())
}
