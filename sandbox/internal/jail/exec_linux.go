package jail

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The re-executed init runs a program too: the runner sends it in a
// FrameProg, the init maps it at its address and Exec runs it with Go's
// raw system calls. The init reports as the assembly executor records:
// a failure that ends the program in a FrameProgFail, written from the
// region (ReportAddr) with a call the execve gate allows; an optional op
// that failed, in a FrameSkipped.

// progHeader is the start of a FrameProg's payload.
type progHeader struct {
	Base, OpsOff, NumOps, FailOff, ReportAddr uint64
}

const progHeaderSize = 40

// EncodeProg is the payload of a FrameProg.
func EncodeProg(p *Prog) []byte {
	b := make([]byte, 0, progHeaderSize+len(p.Region))
	for _, v := range []uint64{p.Base, uint64(p.OpsOff), uint64(p.NumOps), uint64(p.FailOff), p.ReportAddr} {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return append(b, p.Region...)
}

// decodeProg maps the program of a FrameProg at its address.
func decodeProg(b []byte) (progHeader, []byte, error) {
	var h progHeader
	if len(b) < progHeaderSize {
		return h, nil, errors.New("short program frame")
	}
	h = progHeader{
		Base: binary.LittleEndian.Uint64(b), OpsOff: binary.LittleEndian.Uint64(b[8:]),
		NumOps: binary.LittleEndian.Uint64(b[16:]), FailOff: binary.LittleEndian.Uint64(b[24:]),
		ReportAddr: binary.LittleEndian.Uint64(b[32:]),
	}
	body := b[progHeaderSize:]
	n := uint64(len(body))
	if n == 0 || h.Base == 0 || h.OpsOff > n || h.NumOps > (n-h.OpsOff)/OpSize || h.OpsOff%8 != 0 || h.FailOff > n || n-h.FailOff < 24 ||
		h.ReportAddr < h.Base || h.ReportAddr-h.Base > n || n-(h.ReportAddr-h.Base) < ReportFrameSize || h.Base%uint64(unix.Getpagesize()) != 0 {
		return h, nil, errors.New("program frame out of bounds")
	}
	page := uint64(unix.Getpagesize())
	size := (uint64(len(body)) + page - 1) &^ (page - 1)
	addr := uintptr(h.Base)
	hint := *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	p, err := unix.MmapPtr(-1, 0, hint, uintptr(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED_NOREPLACE)
	if err != nil {
		return h, nil, fmt.Errorf("map the program at %#x: %w", h.Base, err)
	}
	if uintptr(p) != addr {
		return h, nil, fmt.Errorf("map the program at %#x: the kernel placed it at %p", h.Base, p)
	}
	region := unsafe.Slice((*byte)(p), size)
	copy(region, body)
	return h, region, nil
}

// ReportFrameSize is the size of a FrameProgFail: the index of the op and
// its errno.
const ReportFrameSize = FrameHeader + 16

// DecodeReport reads a FrameProgFail's or FrameSkipped's payload.
func DecodeReport(p []byte) (index int, errno syscall.Errno, err error) {
	if len(p) != 16 {
		return 0, 0, errors.New("bad report frame")
	}
	return int(binary.LittleEndian.Uint64(p)), syscall.Errno(binary.LittleEndian.Uint64(p[8:])), nil
}

func word(addr uint64) *uint64 {
	a := uintptr(addr)
	return *(**uint64)(unsafe.Pointer(&a))
}

// Exec runs the program mapped in region on this thread. It returns only
// if it could not report a failure; the program's last op executes the
// jail's program.
//
// No allocation and no system call but the ops' happen in the loop: once
// an op installed the seccomp filter, the only other calls this thread
// may make are those the gate lets through, which the failure path uses
// (a write from the region, exit_group).
func (in *jailInit) Exec(h progHeader, region []byte) {
	ops := unsafe.Slice((*Op)(unsafe.Pointer(&region[h.OpsOff])), h.NumOps)
	i := uint64(0)
	var errno uint64
	for i < h.NumOps {
		o := &ops[i]
		if o.Nr == unix.SYS_SECCOMP && *word(o.Args[2]) == 0 && !in.loadFilter(o.Args[2]) {
			errno = uint64(unix.EPROTO) // no filter came
			break
		}
		var a [6]uintptr
		for k := range a {
			v := o.Args[k]
			if o.Ctl&(OpIndirect0<<k) != 0 {
				v = *word(v)
			}
			a[k] = uintptr(v)
		}
		r1, _, e := syscall.RawSyscall6(uintptr(o.Nr), a[0], a[1], a[2], a[3], a[4], a[5])
		res := uint64(r1)
		if e != 0 {
			res = uint64(-int64(e))
		}
		o.Res = res
		if o.Ctl&OpStore != 0 {
			*word(o.Out) = res
		}
		failed := e != 0 && !(o.Ctl&OpEExistOK != 0 && e == unix.EEXIST)
		errno = uint64(e)
		if !failed && (o.Ctl&OpNeedNonzero != 0 && r1 == 0 || o.Ctl&OpNeedZero != 0 && r1 != 0) {
			failed, errno = true, 0
		}
		if !failed {
			if o.Next != 0 {
				i = o.Next
			} else {
				i++
			}
			continue
		}
		if o.OnFail == OpAbort {
			break
		}
		if o.Ctl&OpReport != 0 {
			in.report(FrameSkipped, h.ReportAddr, i, errno)
		}
		i = o.OnFail
	}
	if i >= h.NumOps {
		errno = 0
	}
	in.report(FrameProgFail, h.ReportAddr, i, errno)
	syscall.RawSyscall(unix.SYS_EXIT_GROUP, ProgFailed, 0, 0)
}

// loadFilter reads the FrameFilter the runner sends once it has compiled
// the filter and points the sock_fprog at fprog to it.
func (in *jailInit) loadFilter(fprog uint64) bool {
	typ, p, err := ReadFrame(in)
	if err != nil || typ != FrameFilter || len(p) == 0 || len(p)%8 != 0 || len(p)/8 > 0xffff {
		return false
	}
	in.filter = p
	*word(fprog) = uint64(len(p) / 8)
	*word(fprog + 8) = uint64(uintptr(unsafe.Pointer(&in.filter[0])))
	return true
}

// EncodeFilter is the payload of a FrameFilter: the instructions as the
// kernel reads them.
func EncodeFilter(prog []unix.SockFilter) []byte {
	if len(prog) == 0 {
		return nil
	}
	return append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(&prog[0])), 8*len(prog))...)
}

// report writes a report frame from the region's report area: exactly the
// write the gate allows.
func (in *jailInit) report(typ byte, at uint64, index, errno uint64) {
	a := uintptr(at)
	f := unsafe.Slice(*(**byte)(unsafe.Pointer(&a)), ReportFrameSize)
	f[0] = typ
	binary.LittleEndian.PutUint32(f[1:], 16)
	binary.LittleEndian.PutUint64(f[FrameHeader:], index)
	binary.LittleEndian.PutUint64(f[FrameHeader+8:], errno)
	syscall.RawSyscall(unix.SYS_WRITE, uintptr(in.sock), a, ReportFrameSize)
}
