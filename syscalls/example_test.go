package syscalls_test

import (
	"fmt"

	"github.com/gokafel/gokafel/syscalls"
)

func ExampleLookupArch() {
	a, ok := syscalls.LookupArch("ARM64")
	fmt.Println(ok, a.Name, a.WordSize, a.BigEndian)
	fmt.Printf("%#x\n", a.AuditArch)
	// Output:
	// true aarch64 8 false
	// 0xc00000b7
}

func ExampleArch_Lookup() {
	a, _ := syscalls.LookupArch("x86_64")
	s, _ := a.Lookup("openat")
	fmt.Println(s.Name, s.Nr, s.Args)
	u, _ := a.Lookup("uname")
	fmt.Println(u.Name, u.Nr, u.IsAlias(), u.AliasOf)
	// Output:
	// openat 257 [{dfd 4 []} {filename 8 []} {flags 4 []} {mode 2 []}]
	// uname 63 true newuname
}

func ExampleSyscall_ArgIndex() {
	a, _ := syscalls.LookupArch("x86_64")
	s, _ := a.Lookup("setns")
	// "nstype" is the name the reference compiler's tables use for the
	// kernel's "flags".
	fmt.Println(s.ArgIndex("flags"), s.ArgIndex("nstype"), s.ArgIndex("nosuch"))
	// Output: 1 1 -1
}

func ExampleArch_ByNumber() {
	a, _ := syscalls.LookupArch("mips")
	s, _ := a.ByNumber(4020)
	fmt.Println(s.Name)
	// Output: getpid
}
