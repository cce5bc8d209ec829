// gosymfuncs lists the functions of a Go binary's pclntab as Go's own reader (debug/gosym, the package behind
// go tool addr2line/objdump) decodes them: one "<hex entry> <hex end> <name>" line each, entry order, then
// "count <n>". With -lines, also "line <hex pc> <file> <line>" for every PC of every function (small tables
// only). test_pclntab runs it (go run) as ground truth for stripped binaries, where go tool nm has no symbols to
// show, and for synthetic tables in the layouts no toolchain here produces (Go 1.2-1.17).
//
// The text start is what the binary records: runtime.text when there is a symbol table, else the pclntab
// header's textStart (Go 1.18-1.25), else the .text section. (go tool objdump/addr2line use runtime.text or
// .text, which is wrong for stripped cgo binaries, whose C code precedes runtime.text.)
package main

import (
	"debug/elf"
	"debug/gosym"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
)

func headerTextStart(pclntab []byte) uint64 {
	if len(pclntab) < 8 {
		return 0
	}
	var order binary.ByteOrder = binary.LittleEndian
	if binary.BigEndian.Uint32(pclntab) >= 0xfffffff0 {
		order = binary.BigEndian
	}
	magic, ptrSize := order.Uint32(pclntab), int(pclntab[7])
	if (magic != 0xfffffff0 && magic != 0xfffffff1) || len(pclntab) < 8+3*ptrSize {
		return 0
	}
	if ptrSize == 4 {
		return uint64(order.Uint32(pclntab[8+2*ptrSize:]))
	}
	return order.Uint64(pclntab[8+2*ptrSize:])
}

func textStart(f *elf.File, pclntab []byte) uint64 {
	if syms, err := f.Symbols(); err == nil {
		for _, s := range syms {
			if s.Name == "runtime.text" {
				return s.Value
			}
		}
	}
	if v := headerTextStart(pclntab); v != 0 {
		return v
	}
	return f.Section(".text").Addr
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gosymfuncs:", err)
	os.Exit(1)
}

func main() {
	lines := flag.Bool("lines", false, "also print file:line of every PC")
	flag.Parse()
	f, err := elf.Open(flag.Arg(0))
	if err != nil {
		fail(err)
	}
	sect := f.Section(".gopclntab")
	if sect == nil {
		fail(fmt.Errorf("no .gopclntab section"))
	}
	data, err := sect.Data()
	if err != nil {
		fail(err)
	}
	table, err := gosym.NewTable(nil, gosym.NewLineTable(data, textStart(f, data)))
	if err != nil {
		fail(err)
	}
	for _, fn := range table.Funcs {
		fmt.Printf("%x %x %s\n", fn.Entry, fn.End, fn.Name)
	}
	fmt.Printf("count %d\n", len(table.Funcs))
	for _, fn := range table.Funcs {
		for pc := fn.Entry; *lines && pc < fn.End; pc++ {
			file, line, _ := table.PCToLine(pc)
			fmt.Printf("line %x %s %d\n", pc, file, line)
		}
	}
}
