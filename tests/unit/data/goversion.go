// goversion answers, with the Go toolchain's own go/version package, what test_go_version checks gotrace's
// parser against. Input: lines "<x>\t<y>". Output, one line each: "<IsValid(x) 0|1>\t<Lang(x)>\t<Compare(x, y)>".
package main

import (
	"bufio"
	"fmt"
	"go/version"
	"os"
	"strings"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		x, y, _ := strings.Cut(in.Text(), "\t")
		valid := 0
		if version.IsValid(x) {
			valid = 1
		}
		fmt.Printf("%d\t%s\t%d\n", valid, version.Lang(x), version.Compare(x, y))
	}
}
