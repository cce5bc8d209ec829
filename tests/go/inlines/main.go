// inlines reports, as ground truth for gotrace's pclntab reader, the stacks the Go runtime itself symbolizes:
// runtime.Callers inside chains of inlined calls (spread over two files, through a method and a closure),
// expanded by runtime.CallersFrames.
//
// Output: "entry main.main <hex runtime address>" (PIE load bias = this - link-time address), then per stack:
// "stack <name>", one "<hex pc>\t<function>\t<file>\t<line>" line per logical frame (pc as runtime.Callers
// returned it, innermost first), and "end".
package main

import (
	"fmt"
	"runtime"
)

var sink int

//go:noinline
func record() []uintptr {
	pcs := make([]uintptr, 64)
	return pcs[:runtime.Callers(2, pcs)] // from record's caller on
}

func middle(x int) []uintptr { return leaf(x + 1) }

func outer(x int) []uintptr { return middle(x * 2) }

type counter struct{ n int }

func (c *counter) bump() []uintptr {
	c.n++
	return outer(c.n)
}

//go:noinline
func viaMethod() []uintptr {
	c := &counter{n: sink}
	return c.bump()
}

//go:noinline
func viaClosure() []uintptr {
	f := func(x int) []uintptr { return middle(x + sink) }
	return f(3)
}

//go:noinline
func direct() []uintptr {
	return record()
}

func print(name string, pcs []uintptr) {
	fmt.Printf("stack %s\n", name)
	frames := runtime.CallersFrames(pcs)
	for i := 0; ; i++ {
		fr, more := frames.Next()
		fmt.Printf("%x\t%s\t%s\t%d\n", pcs[i], fr.Function, fr.File, fr.Line)
		if !more || i+1 == len(pcs) {
			break
		}
	}
	fmt.Println("end")
}

func main() {
	pcs := make([]uintptr, 1)
	runtime.Callers(1, pcs)
	fmt.Printf("entry main.main %x\n", runtime.FuncForPC(pcs[0]).Entry())
	print("method", viaMethod())
	print("closure", viaClosure())
	print("direct", direct())
	print("inline-in-main", outer(sink))
}
