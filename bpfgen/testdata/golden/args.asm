; seccomp filter compiled from args.policy for x86_64
        ld [4]                           ; arch
        jne #0xc000003e, L0041           ; arch 0xc000003e
        ld [0]                           ; nr
        jge #0x102, L0040                ; nr >= 258
        jge #0x3f, L0037                 ; nr >= 63
        jge #0x2, L0016                  ; nr >= 2
        jge #0x1, L0013                  ; nr >= write
        ld [16]                          ; read
        jge #0x3, L0042
        ld [36]                          ; args[2]+4
        jne #0x0, L0043
        ld [32]                          ; args[2]
        jgt #0x10, L0043, L0042
L0013:  ld [16]                          ; write
        jeq #0x1, L0043
        jeq #0x2, L0043, L0042
L0016:  jeq #0x8, L0020                  ; lseek
        jeq #0x9, L0024                  ; mmap
        jeq #0x21, L0031                 ; dup2
        jeq #0x3e, L0035, L0042          ; kill
L0020:  ld [28]                          ; lseek
        jne #0xffffffff, L0044
        ld [24]                          ; args[1]
        jeq #0xffffffff, L0043, L0044
L0024:  ld [28]                          ; mmap
        jlt #0x1, L0029
        jne #0x1, L0044
        ld [24]                          ; args[1]
        jne #0x0, L0044
L0029:  ld [32]                          ; args[2]
        jset #0x4, L0044, L0043
L0031:  ld [24]                          ; dup2
        tax
        ld [16]                          ; args[0]
        jeq x, L0043, L0042
L0035:  ld [16]                          ; kill
        jeq #0x0, L0042, L0043
L0037:  jlt #0x101, L0042                ; nr >= openat
        ld [32]                          ; openat
        jset #0x3, L0042, L0043
L0040:  jset #0x40000000, L0041, L0042   ; x32
L0041:  ret #0x0                         ; KILL
L0042:  ret #0x80000000                  ; KILL_PROCESS
L0043:  ret #0x7fff0000                  ; ALLOW
L0044:  ret #0x50016                     ; ERRNO(22)
