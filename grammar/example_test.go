package grammar_test

import (
	"fmt"

	"github.com/gokafel/gokafel/grammar"
)

// Parse a policy with a lenient form, list the findings, and print it in
// portable Kafel.
func ExampleParse() {
	src := `POLICY sandbox {
  ALLOW { read, write { fd == 1 } }
  ALLOW { clone { clone_flags & 0x10000 } }
}
USE sandbox DEFAULT KILL
`
	f, diags := grammar.Parse("sandbox.policy", []byte(src), nil)
	if err := diags.Err(); err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range diags {
		fmt.Printf("%s (%s; %s)\n", d, d.Kind, d.Hint)
	}
	fmt.Print(string(grammar.Format(f)))
	// Output:
	// sandbox.policy:2:36: warning: missing comma between statements in a POLICY: the reference compiler requires one (missing-comma; add `,` here)
	// sandbox.policy:3:19: warning: a value used as a condition: the reference compiler requires a comparison (bare-operand; write `(clone_flags & 0x10000) != 0`)
	// POLICY sandbox {
	//   ALLOW {
	//     read,
	//     write { fd == 1 }
	//   },
	//   ALLOW {
	//     clone { (clone_flags & 0x10000) != 0 }
	//   }
	// }
	//
	// USE sandbox
	// DEFAULT KILL
}

// Walk the rules of a parsed file.
func ExampleFile() {
	f, _ := grammar.Parse("p", []byte("ERRNO(1) { SYSCALL[-1], uname ON x86_64 }"), nil)
	blk := f.Stmts[0].(*grammar.ActionBlock)
	fmt.Println(blk.Action.Kind, blk.Action.Param.Value)
	for _, r := range blk.Rules {
		if r.Syscall.Number != nil {
			fmt.Printf("syscall number %#x\n", r.Syscall.Number.Value)
		} else {
			fmt.Println("syscall", r.Syscall.Name.Name, "on", r.Arch.Names[0].Name)
		}
	}
	// Output:
	// ERRNO 1
	// syscall number 0xffffffffffffffff
	// syscall uname on x86_64
}

// Parse policies one after another with one Arena: each tree is used, then
// dropped, and Reset hands its memory to the next Parse.
func ExampleArena() {
	var arena grammar.Arena
	for _, src := range []string{
		"ALLOW { read { fd == 0 } } DEFAULT KILL",
		"ALLOW { write { fd == 1 || fd == 2 } } DEFAULT KILL",
	} {
		f, diags := grammar.Parse("p.policy", []byte(src), &grammar.Options{Arena: &arena})
		if err := diags.Err(); err != nil {
			fmt.Println(err)
			return
		}
		rule := f.Stmts[0].(*grammar.ActionBlock).Rules[0]
		fmt.Println(rule.Syscall.Name.Name, rule.Filter.(*grammar.BinaryExpr).Op)
		arena.Reset() // f must not be used after this
	}
	// Output:
	// read ==
	// write ||
}
