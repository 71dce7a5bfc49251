package engine

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of a transparent huge page on amd64 and arm64.
const hugePage = 2 << 20

// preferHugePages makes room in the heap for about n bytes a start is about
// to fill (a busy day's tickets, their maps and private records) and asks
// the kernel to back that room with huge pages. Filling it then costs one
// page fault per 2 MiB instead of one per 4 KiB: in a virtual machine, a
// busy day's start spent some 40% of its CPU time in page faults.
//
// The Go heap does not ask for huge pages, and a kernel whose transparent
// huge pages are "madvise" (a common default) gives them only to memory
// that asks. So a buffer of n bytes is allocated, advised (the runtime maps
// a new large allocation without touching it) and dropped: the collection
// that follows frees it, and the heap's allocator, lowest address first,
// fills that room before it grows further. With huge pages "always" or
// "never" the advice changes nothing; should the runtime lay out its heap
// otherwise, the start only loses the gain.
func preferHugePages(n int) {
	if n < 16*hugePage {
		return
	}
	b := make([]byte, n)
	off := int(-uintptr(unsafe.Pointer(unsafe.SliceData(b))) & (hugePage - 1))
	end := off + (n-off)/hugePage*hugePage
	if off < end {
		_ = unix.Madvise(b[off:end], unix.MADV_HUGEPAGE)
	}
	runtime.KeepAlive(b)
	b = nil
	runtime.GC()
}
