package nsjailcfg_test

import (
	"fmt"

	"github.com/gokafel/gokafel/sandbox/nsjailcfg"
)

func ExampleParse() {
	src := []byte(`name: "demo"
time_limit: 10
mount { dst: "/tmp" fstype: "tmpfs" rw: true }
exec_bin { path: "/bin/echo" arg: "hi" }
`)
	f, err := nsjailcfg.Parse("demo.cfg", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	l, err := f.Config()
	if err != nil {
		fmt.Println(err)
		return
	}
	c := l.Config
	fmt.Println(c.Name, c.TimeLimit, c.Argv, c.Mounts[0].Dst, c.Mounts[0].FSType)
	// Output: demo 10s [/bin/echo hi] /tmp tmpfs
}

func ExampleParse_error() {
	_, err := nsjailcfg.Parse("bad.cfg", []byte("name: \"x\"\nrlimit_as_typ: HARD\n"))
	fmt.Println(err)
	// Output:
	// bad.cfg:2:1: unknown field "rlimit_as_typ" in NsJailConfig (did you mean "rlimit_as_type"?)
	//	rlimit_as_typ: HARD
	//	^
}
