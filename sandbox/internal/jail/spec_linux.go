package jail

// Spec is what the jail's setup needs from the Config, resolved by the
// runner: the input of Build.
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
	NiceLevel             int
	Personality           Personality

	// Path is the program as given (looked up in the jail when it has no
	// slash); Argv and Env are final.
	Path      string
	Argv, Env []string
	// Filter says a seccomp filter is installed (the runner fills it in
	// when it has compiled it); Notify, with NEW_LISTENER, the listener
	// being passed to the runner.
	Filter, Notify bool
	// CgroupFollows says the runner adds the jail to its cgroups while it
	// builds the jail; the program waits for that before it unshares the
	// cgroup namespace, drops its privileges and executes the program.
	CgroupFollows bool
	// MapsWritten says the runner wrote the id maps before the program
	// started: it does not wait for them.
	MapsWritten bool
	UID, GID    int  // ids to switch to; -1 keeps one
	SetGroups   bool // the user namespace allows setgroups
	Unshare     uint64
	PassFDs     []int
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

// BindsSource reports whether m binds its source (a directory or file of
// the host) rather than making a file system, a symlink or a file of given
// content.
func (m Mount) BindsSource() bool {
	return !m.Symlink && m.SrcContent == nil && (m.Bind || m.FSType == "" && m.Src != "")
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
