package sandbox

import (
	"encoding/binary"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gokafel/gokafel/sandbox/internal/jail"
)

// TestCloneProgExecutor runs a small program with the assembly executor
// and checks each rule of the op format: stored results, indirect
// arguments, a jump on failure, EEXIST taken as success, a result check,
// the failure record and the exit status.
func TestCloneProgExecutor(t *testing.T) {
	var pipe [2]int
	if err := unix.Pipe2(pipe[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pipe[0])
	w := uint64(pipe[1])

	region, err := unix.Mmap(-1, 0, 1<<16, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(region)
	base := uint64(uintptr(unsafe.Pointer(&region[0])))
	off := 0
	put := func(b []byte) uint64 {
		a := base + uint64(off)
		copy(region[off:], b)
		off += (len(b) + 7) &^ 7
		return a
	}
	str := func(s string) uint64 { return put(append([]byte(s), 0)) }
	fail := put(make([]byte, 24))
	masks := put(binary.NativeEndian.AppendUint64(binary.NativeEndian.AppendUint64(nil, ^uint64(0)), 0))
	stackTop := put(make([]byte, 512)) + 512 - 16
	slotMissing, slotNull := put(make([]byte, 8)), put(make([]byte, 8))
	a, b, c, d := str("a"), str("b"), str("c"), str("d")
	ops := []jail.Op{
		{Nr: unix.SYS_WRITE, Args: [6]uint64{w, a, 1}},
		{Nr: unix.SYS_OPENAT, Args: [6]uint64{uint64(0xffffff9c), str("/nonexistent/x"), unix.O_RDONLY}, Ctl: jail.OpStore, Out: slotMissing, OnFail: 3},
		{Nr: unix.SYS_WRITE, Args: [6]uint64{w, b, 1}}, // skipped
		{Nr: unix.SYS_OPENAT, Args: [6]uint64{uint64(0xffffff9c), str("/dev/null"), unix.O_RDONLY}, Ctl: jail.OpStore, Out: slotNull},
		{Nr: unix.SYS_WRITE, Args: [6]uint64{w, c, 1}},
		{Nr: unix.SYS_MKDIRAT, Args: [6]uint64{uint64(0xffffff9c), str("/"), 0o755}, Ctl: jail.OpEExistOK},
		{Nr: unix.SYS_WRITE, Args: [6]uint64{w, d, 1}, Next: 8}, // jumps over op 7
		{Nr: unix.SYS_WRITE, Args: [6]uint64{w, b, 1}},
		// /dev/null was opened without O_CLOEXEC: F_GETFD gives 0.
		{Nr: unix.SYS_FCNTL, Args: [6]uint64{slotNull, unix.F_GETFD}, Ctl: jail.OpIndirect0 | jail.OpNeedNonzero},
		{Nr: unix.SYS_WRITE, Args: [6]uint64{w, b, 1}}, // never reached
	}
	for i := range ops {
		if ops[i].OnFail == 0 {
			ops[i].OnFail = jail.OpAbort
		}
	}
	off = (off + 7) &^ 7
	opsOff := off
	for _, o := range ops {
		put(unsafe.Slice((*byte)(unsafe.Pointer(&o)), jail.OpSize))
	}
	p := &jail.Prog{Base: base, OpsOff: opsOff, NumOps: len(ops), FailOff: int(fail - base), StackTop: stackTop, MaskAll: masks, MaskSaved: masks + 8}

	pid, err := cloneProg(p, 0)
	unix.Close(pipe[1])
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	for {
		buf := make([]byte, 64)
		n, err := unix.Read(pipe[0], buf)
		if n <= 0 && err != unix.EINTR {
			break // EOF: the child is gone
		}
		got = append(got, buf[:max(n, 0)]...)
	}
	var ws unix.WaitStatus
	for {
		if _, err := unix.Wait4(pid, &ws, 0, nil); err != unix.EINTR {
			break
		}
	}
	if string(got) != "acd" {
		t.Errorf("the program wrote %q, want %q", got, "acd")
	}
	if !ws.Exited() || ws.ExitStatus() != jail.ProgFailed {
		t.Errorf("child status %v, want exit %d", ws, jail.ProgFailed)
	}
	f := (*jail.Failure)(unsafe.Pointer(&region[fail-base]))
	if *f != (jail.Failure{Index: 8, Errno: 0, Failed: 1}) {
		t.Errorf("failure record %+v, want op 8 with errno 0 (its check)", *f)
	}
	res := func(i int) int64 { return int64(binary.NativeEndian.Uint64(region[opsOff+i*jail.OpSize+88:])) }
	if got := res(1); got != -int64(syscall.ENOENT) {
		t.Errorf("op 1 result %d, want -ENOENT", got)
	}
	if got := int64(binary.NativeEndian.Uint64(region[slotMissing-base:])); got != -int64(syscall.ENOENT) {
		t.Errorf("stored result of op 1 %d, want -ENOENT", got)
	}
	if got := res(5); got != -int64(syscall.EEXIST) {
		t.Errorf("op 5 result %d, want -EEXIST", got)
	}
	if res(2) != 0 || res(7) != 0 || res(9) != 0 {
		t.Errorf("skipped ops ran: results %d %d %d", res(2), res(7), res(9))
	}
}
