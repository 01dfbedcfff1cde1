; seccomp filter compiled from actions.policy for x86_64
        ld [4]                           ; arch
        jne #0xc000003e, L0015           ; arch 0xc000003e
        ld [0]                           ; nr
        jge #0x102, L0013                ; nr >= 258
        jge #0x28, L0011                 ; nr >= 40
        jge #0x2, L0007                  ; nr >= 2
        jge #0x1, L0017, L0016           ; nr >= write
L0007:  jeq #0x3, L0018                  ; close
        jeq #0x8, L0019                  ; lseek
        jeq #0x10, L0020                 ; ioctl
        jeq #0x27, L0015, L0021          ; getpid
L0011:  jeq #0x6e, L0022                 ; getppid
        jeq #0x101, L0023, L0021         ; openat
L0013:  jlt #0x40000000, L0021           ; nr >= 1073741824
        jge #0x80000000, L0021           ; nr >= 2147483648
L0015:  ret #0x0                         ; KILL
L0016:  ret #0x7fff0000                  ; ALLOW
L0017:  ret #0x7ffc0000                  ; LOG
L0018:  ret #0x5000d                     ; ERRNO(13)
L0019:  ret #0x30007                     ; TRAP(7)
L0020:  ret #0x7ff00063                  ; TRACE(99)
L0021:  ret #0x50026                     ; ERRNO(38)
L0022:  ret #0x80000000                  ; KILL_PROCESS
L0023:  ret #0x7fc00000                  ; USER_NOTIF
