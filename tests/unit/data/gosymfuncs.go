// gosymfuncs lists the functions of a Go binary's pclntab as Go's own reader (debug/gosym, the package behind
// go tool addr2line/objdump) decodes them: one "<hex entry> <hex end> <name>" line each, entry order, then
// "count <n>". test_pclntab runs it (go run) as ground truth for stripped binaries, where go tool nm has no
// symbols to show.
//
// The text start is what the binary records: runtime.text when there is a symbol table, else the pclntab
// header's textStart (Go 1.18-1.25), else the .text section. (go tool objdump/addr2line use runtime.text or
// .text, which is wrong for stripped cgo binaries, whose C code precedes runtime.text.)
package main

import (
	"debug/elf"
	"debug/gosym"
	"encoding/binary"
	"fmt"
	"os"
)

func textStart(f *elf.File, pclntab []byte) uint64 {
	if syms, err := f.Symbols(); err == nil {
		for _, s := range syms {
			if s.Name == "runtime.text" {
				return s.Value
			}
		}
	}
	if len(pclntab) >= 8+3*8 {
		magic := binary.LittleEndian.Uint32(pclntab)
		ptrSize := int(pclntab[7])
		if (magic == 0xfffffff0 || magic == 0xfffffff1) && ptrSize == 8 {
			if v := binary.LittleEndian.Uint64(pclntab[8+2*ptrSize:]); v != 0 {
				return v
			}
		}
	}
	return f.Section(".text").Addr
}

func main() {
	f, err := elf.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sect := f.Section(".gopclntab")
	if sect == nil {
		fmt.Fprintln(os.Stderr, "no .gopclntab section")
		os.Exit(1)
	}
	data, err := sect.Data()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	table, err := gosym.NewTable(nil, gosym.NewLineTable(data, textStart(f, data)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, fn := range table.Funcs {
		fmt.Printf("%x %x %s\n", fn.Entry, fn.End, fn.Name)
	}
	fmt.Printf("count %d\n", len(table.Funcs))
}
