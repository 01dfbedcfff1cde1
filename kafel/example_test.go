package kafel_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/gokafel/gokafel/bpfgen"
	"github.com/gokafel/gokafel/kafel"
	"github.com/gokafel/gokafel/syscalls"
)

func ExampleLoad() {
	x86, _ := syscalls.LookupArch("x86_64")
	src := `
#define STDOUT 1
ALLOW { write { fd == STDOUT }, exit_group }
DEFAULT ERRNO(1)
`
	p, err := kafel.Load("example.policy", []byte(src), kafel.Options{Arches: []*syscalls.Arch{x86}})
	if err != nil {
		fmt.Println(err)
		return
	}
	rs := p.RuleSet()
	for _, fd := range []uint64{1, 2} {
		d := bpfgen.SeccompData{Nr: 1, Arch: x86.AuditArch, Args: [6]uint64{fd}}
		fmt.Printf("write(%d): %s\n", fd, rs.Eval(d))
	}
	// Output:
	// write(1): ALLOW
	// write(2): ERRNO(1)
}

func ExampleRender() {
	x86, _ := syscalls.LookupArch("x86_64")
	src := "ALLOW {\n  reed, write { fdd == 1 }\n}\n"
	_, err := kafel.Load("bad.policy", []byte(src), kafel.Options{Arches: []*syscalls.Arch{x86}})
	var e *kafel.Error
	if errors.As(err, &e) {
		kafel.Render(os.Stdout, e.Diagnostics, e.Sources)
	}
	// Output:
	// bad.policy:2:3: unknown syscall `reed` on x86_64
	//       reed, write { fdd == 1 }
	//       ^~~~
	//     hint: did you mean `read`?
	// bad.policy:2:17: unknown argument `fdd` of `write` on x86_64
	//       reed, write { fdd == 1 }
	//                     ^~~
	//     hint: did you mean `fd`?
}

func ExampleLoad_lenient() {
	x86, _ := syscalls.LookupArch("x86_64")
	src := "ALLOW { uname }"
	p, err := kafel.Load("lenient.policy", []byte(src), kafel.Options{Arches: []*syscalls.Arch{x86}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, w := range p.Warnings {
		fmt.Println(w)
	}
	_, err = kafel.Load("lenient.policy", []byte(src), kafel.Options{Arches: []*syscalls.Arch{x86}, Strict: true})
	fmt.Println(err)
	// Output:
	// lenient.policy:1:9: warning: `uname` is a libc name: use `newuname`; the reference compiler does not know `uname` on x86_64
	// lenient.policy:1:9: `uname` is a libc name: use `newuname`; the reference compiler does not know `uname` on x86_64 (strict mode)
}

func ExampleFormat() {
	x86, _ := syscalls.LookupArch("x86_64")
	src := `POLICY p {
  ALLOW { uname, open { arg1 == 0 }, }
  ALLOW { clone { arg0 & 0x10000 } }
  DEFAULT KILL
}
USE p`
	out, _, err := kafel.Format("p.policy", []byte(src), kafel.Options{Arches: []*syscalls.Arch{x86}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(out))
	// Output:
	// POLICY p {
	//   ALLOW {
	//     newuname,
	//     open { flags == 0 }
	//   },
	//   ALLOW {
	//     clone { (clone_flags & 0x10000) != 0 }
	//   }
	// }
	//
	// USE p
	// DEFAULT KILL
}
