package jail

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Spec is what the init needs from the Config, resolved by the
// parent. It travels in a compact binary form (EncodeSpec, DecodeSpec):
// decoding JSON by reflection cost the init about a millisecond of CPU on
// every launch.
type Spec struct {
	// From Config.
	User, Mount, Net, UTS bool // namespaces the init works in
	Hostname, Cwd, Chroot string
	RW, NoPivotRoot       bool
	MountProc, IfaceNoLo  bool
	Mounts                []Mount
	Rlimits               []Rlimit
	KeepCaps              bool
	Caps                  []int // capability numbers kept
	DisableNoNewPrivs     bool
	NiceLevel, MaxCPUs    int
	Personality           Personality

	// Path is the program as given (looked up in the jail when it has no
	// slash); Argv and Env are final.
	Path      string
	Argv, Env []string
	Filter    []unix.SockFilter // with the gate in front; empty for none
	Notify    bool              // install with NEW_LISTENER and pass the listener
	// FilterFollows says the filter comes in a FrameFilter after the
	// Spec, which the init reads when it is about to install it.
	FilterFollows bool
	// CgroupFollows says the parent adds the init to the jail's cgroups
	// while the init builds the jail and then sends a FrameCgroup, which
	// the init waits for before it unshares the cgroup namespace, drops
	// its privileges and executes the program.
	CgroupFollows bool
	Gate          GateLayout
	UID, GID      int  // ids to switch to; -1 keeps one
	SetGroups     bool // the user namespace allows setgroups
	Unshare       uint64
	PassFDs       []int
}

// specWriter appends values: unsigned varints, zigzag varints for signed
// numbers, length-prefixed strings.
type specWriter struct{ b []byte }

func (w *specWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *specWriter) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *specWriter) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}
func (w *specWriter) str(s string) { w.uint(uint64(len(s))); w.b = append(w.b, s...) }
func (w *specWriter) strs(l []string) {
	w.uint(uint64(len(l)))
	for _, s := range l {
		w.str(s)
	}
}

// optBytes keeps nil apart from empty.
func (w *specWriter) optBytes(b []byte) {
	if b == nil {
		w.uint(0)
		return
	}
	w.uint(uint64(len(b)) + 1)
	w.b = append(w.b, b...)
}

type specReader struct {
	b   []byte
	err error
}

var errSpecShort = errors.New("jail spec: truncated")

func (r *specReader) uint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *specReader) int() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *specReader) fail() {
	if r.err == nil {
		r.err = errSpecShort
	}
	r.b = nil
}

func (r *specReader) bool() bool {
	if len(r.b) < 1 {
		r.fail()
		return false
	}
	v := r.b[0] != 0
	r.b = r.b[1:]
	return v
}

func (r *specReader) take(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *specReader) str() string { return string(r.take(r.uint())) }

// count reads a length that must fit in what is left (each element takes
// at least one byte), so a corrupt length cannot make a huge allocation.
func (r *specReader) count() int {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.fail()
		return 0
	}
	return int(n)
}

func (r *specReader) strs() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	l := make([]string, n)
	for i := range l {
		l[i] = r.str()
	}
	return l
}

func (r *specReader) optBytes() []byte {
	n := r.uint()
	if n == 0 {
		return nil
	}
	return append([]byte{}, r.take(n-1)...)
}

const specVersion = 2

func EncodeSpec(s *Spec) []byte {
	w := &specWriter{b: make([]byte, 0, 1024)}
	w.uint(specVersion)
	for _, b := range []bool{s.User, s.Mount, s.Net, s.UTS, s.RW, s.NoPivotRoot, s.MountProc, s.IfaceNoLo,
		s.KeepCaps, s.DisableNoNewPrivs, s.Notify, s.SetGroups, s.FilterFollows,
		s.Personality.AddrCompatLayout, s.Personality.MmapPageZero, s.Personality.ReadImpliesExec,
		s.Personality.AddrLimit3GB, s.Personality.AddrNoRandomize, s.CgroupFollows} {
		w.bool(b)
	}
	w.str(s.Hostname)
	w.str(s.Cwd)
	w.str(s.Chroot)
	w.uint(uint64(len(s.Mounts)))
	for _, m := range s.Mounts {
		w.str(m.Src)
		w.optBytes(m.SrcContent)
		w.str(m.Dst)
		w.str(m.FSType)
		w.str(m.Options)
		for _, b := range []bool{m.Bind, m.RW, m.Mandatory, m.Symlink, m.NoSuid, m.NoDev, m.NoExec} {
			w.bool(b)
		}
		switch {
		case m.IsDir == nil:
			w.uint(0)
		case *m.IsDir:
			w.uint(2)
		default:
			w.uint(1)
		}
	}
	w.uint(uint64(len(s.Rlimits)))
	for _, rl := range s.Rlimits {
		w.int(int64(rl.Resource))
		w.uint(rl.Soft)
		w.uint(rl.Hard)
	}
	w.uint(uint64(len(s.Caps)))
	for _, c := range s.Caps {
		w.int(int64(c))
	}
	w.int(int64(s.NiceLevel))
	w.int(int64(s.MaxCPUs))
	w.str(s.Path)
	w.strs(s.Argv)
	w.strs(s.Env)
	w.uint(uint64(len(s.Filter)))
	w.b = appendFilter(w.b, s.Filter)
	g := s.Gate
	w.uint(g.Addr)
	for _, v := range []int{g.Size, g.ArgvOff, g.EnvpOff, g.PathOff, g.MsgOff, g.ErrOff, g.DataOff} {
		w.uint(uint64(v))
	}
	w.bool(g.Notify)
	w.int(int64(s.UID))
	w.int(int64(s.GID))
	w.uint(s.Unshare)
	w.uint(uint64(len(s.PassFDs)))
	for _, fd := range s.PassFDs {
		w.int(int64(fd))
	}
	return w.b
}

func DecodeSpec(b []byte) (*Spec, error) {
	r := &specReader{b: b}
	if v := r.uint(); v != specVersion {
		return nil, fmt.Errorf("jail spec: version %d, want %d (runner and init are different builds?)", v, specVersion)
	}
	s := &Spec{}
	for _, p := range []*bool{&s.User, &s.Mount, &s.Net, &s.UTS, &s.RW, &s.NoPivotRoot, &s.MountProc, &s.IfaceNoLo,
		&s.KeepCaps, &s.DisableNoNewPrivs, &s.Notify, &s.SetGroups, &s.FilterFollows,
		&s.Personality.AddrCompatLayout, &s.Personality.MmapPageZero, &s.Personality.ReadImpliesExec,
		&s.Personality.AddrLimit3GB, &s.Personality.AddrNoRandomize, &s.CgroupFollows} {
		*p = r.bool()
	}
	s.Hostname, s.Cwd, s.Chroot = r.str(), r.str(), r.str()
	if n := r.count(); n > 0 {
		s.Mounts = make([]Mount, n)
		for i := range s.Mounts {
			m := &s.Mounts[i]
			m.Src = r.str()
			m.SrcContent = r.optBytes()
			m.Dst, m.FSType, m.Options = r.str(), r.str(), r.str()
			for _, p := range []*bool{&m.Bind, &m.RW, &m.Mandatory, &m.Symlink, &m.NoSuid, &m.NoDev, &m.NoExec} {
				*p = r.bool()
			}
			switch r.uint() {
			case 1:
				m.IsDir = new(bool)
			case 2:
				t := true
				m.IsDir = &t
			}
		}
	}
	if n := r.count(); n > 0 {
		s.Rlimits = make([]Rlimit, n)
		for i := range s.Rlimits {
			s.Rlimits[i] = Rlimit{Resource: int(r.int()), Soft: r.uint(), Hard: r.uint()}
		}
	}
	if n := r.count(); n > 0 {
		s.Caps = make([]int, n)
		for i := range s.Caps {
			s.Caps[i] = int(r.int())
		}
	}
	s.NiceLevel, s.MaxCPUs = int(r.int()), int(r.int())
	s.Path = r.str()
	s.Argv, s.Env = r.strs(), r.strs()
	if n := r.count(); n > 0 {
		s.Filter, _ = DecodeFilter(r.take(8 * uint64(n)))
	}
	g := &s.Gate
	g.Addr = r.uint()
	for _, p := range []*int{&g.Size, &g.ArgvOff, &g.EnvpOff, &g.PathOff, &g.MsgOff, &g.ErrOff, &g.DataOff} {
		*p = int(r.uint())
	}
	g.Notify = r.bool()
	s.UID, s.GID = int(r.int()), int(r.int())
	s.Unshare = r.uint()
	if n := r.count(); n > 0 {
		s.PassFDs = make([]int, n)
		for i := range s.PassFDs {
			s.PassFDs[i] = int(r.int())
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("jail spec: %d bytes left over", len(r.b))
	}
	return s, nil
}

// Mount is one mount of the jail's root (sandbox.Mount, field for field).
type Mount struct {
	Src                   string
	SrcContent            []byte
	Dst                   string
	FSType                string
	Options               string
	Bind                  bool
	RW                    bool
	IsDir                 *bool
	Mandatory             bool
	Symlink               bool
	NoSuid, NoDev, NoExec bool
}

// Rlimit is one resource limit (sandbox.Rlimit).
type Rlimit struct {
	Resource   int
	Soft, Hard uint64
}

// Personality holds the persona flags (sandbox.Personality).
type Personality struct {
	AddrCompatLayout, MmapPageZero, ReadImpliesExec, AddrLimit3GB, AddrNoRandomize bool
}

func appendFilter(b []byte, prog []unix.SockFilter) []byte {
	for _, ins := range prog {
		b = binary.LittleEndian.AppendUint16(b, ins.Code)
		b = append(b, ins.Jt, ins.Jf)
		b = binary.LittleEndian.AppendUint32(b, ins.K)
	}
	return b
}

// EncodeFilter is the payload of a FrameFilter: 8 bytes per instruction.
func EncodeFilter(prog []unix.SockFilter) []byte { return appendFilter(nil, prog) }

// DecodeFilter reads a FrameFilter payload.
func DecodeFilter(b []byte) ([]unix.SockFilter, error) {
	if len(b)%8 != 0 {
		return nil, fmt.Errorf("seccomp filter of %d bytes is not whole instructions", len(b))
	}
	if len(b) == 0 {
		return nil, nil
	}
	prog := make([]unix.SockFilter, len(b)/8)
	for i := range prog {
		p := b[8*i:]
		prog[i] = unix.SockFilter{Code: binary.LittleEndian.Uint16(p), Jt: p[2], Jf: p[3], K: binary.LittleEndian.Uint32(p[4:])}
	}
	return prog, nil
}
