package jail

// GateLayout places the init's last data in the gate region. Offsets are
// from the region's start, which is Addr.
type GateLayout struct {
	Addr    uint64 // where the init maps the region
	Size    int    // bytes, a multiple of the page size
	ArgvOff int    // argv pointer array (len(argv)+1 words)
	EnvpOff int    // envp pointer array (len(env)+1 words)
	PathOff int    // path, NUL-terminated, at most pathMax bytes
	MsgOff  int    // msghdr + iovec + payload + cmsg of the listener message
	ErrOff  int    // the error frame written when execve fails
	DataOff int    // strings of argv and envp
	Notify  bool   // the sendmsg rule is present
}

// Sizes of the gate region's parts.
const (
	PathMax      = 4096            // PATH_MAX, including the NUL
	MsgAreaSize  = 256             // msghdr(56) + iovec(16) + payload(8) + cmsg(24) with room
	ErrFrameSize = FrameHeader + 8 // stage and errno, uint32 each
)

const pathMax = PathMax
