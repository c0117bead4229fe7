// hostemu_main.cc: runs one kernel of kernels.cu on the host (see hostemu.h), for
// gpu/kernelhost's tests. Build:
//
//	g++ -std=c++20 -O2 -ffp-contract=off -fcf-protection=none -o hostemu gpu/kernels/hostemu_main.cc
//
// Usage: hostemu LAUNCHFILE runs the launch the file describes, one directive a line:
//
//	kernel NAME          the kernel (extern "C" in kernels.cu, or one of selftest_*)
//	grid GX GY           the grid and block sizes (a block has at most 1024 threads)
//	block BX BY
//	buffer PATH          the next buffer (0, 1, ...): device memory holding PATH's bytes,
//	                     written back to PATH after the launch
//	table PATH           a buffer like the above, whose 8-byte words equal to
//	                     -2^63 + j are replaced by buffer j's address first (pointer tables)
//	arg buf J | arg null | arg int V | arg float BITS
//	                     the kernel's arguments in order: buffer J's address, a null
//	                     pointer, a long long, a double given by its IEEE-754 bits
//
// hostemu -list prints the kernels of kernels.cu, one a line. With -stack the driver
// prints the most stack a thread of the launch used; with -ucontext it switches
// between the threads with glibc's swapcontext, as it does on hosts other than x86-64.
// Errors go to stderr, one line, with exit status 1 (2 for bad usage).
#define KERNELS_HOST
#include "kernels.cu"

#include <ucontext.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

// Kernels that break SYNC()'s rule, for gpu/kernelhost's test that the driver
// reports them. They are not in kernels.cu and -list does not name them.
extern "C" void selftest_early_return() {
	if (TID_X == 0) return; // the others wait at a SYNC() thread 0 never reaches
	SYNC();
}

extern "C" void selftest_uneven_sync() {
	SYNC();
	SYNC();
	if ((TID_X + TID_Y) % 2 == 0) SYNC(); // a third SYNC() for half of the threads
}

namespace hostemu {
Place here;
} // namespace hostemu

namespace {

// A kernel argument of type T from the 64-bit word the Go side passes.
template <class T> T from_word(std::uint64_t w) {
	if constexpr (std::is_pointer_v<T>)
		return reinterpret_cast<T>(w);
	else if constexpr (std::is_same_v<T, double>)
		return std::bit_cast<double>(w);
	else
		return static_cast<T>(static_cast<long long>(w));
}

struct Kernel {
	const char* name;
	std::size_t nargs;
	std::function<void(const std::uint64_t*)> call;
};

template <class... P, std::size_t... I>
void call_with(void (*f)(P...), const std::uint64_t* w, std::index_sequence<I...>) {
	f(from_word<P>(w[I])...);
}

template <class... P> Kernel kernel(const char* name, void (*f)(P...)) {
	// the file's rule, which gorgonia.org/cu's launches depend on
	static_assert(((sizeof(P) == 8) && ...), "every kernel parameter must be 8 bytes wide");
	return {name, sizeof...(P), [f](const std::uint64_t* w) { call_with(f, w, std::index_sequence_for<P...>{}); }};
}

#define KERNEL(k) kernel(#k, k)

// Every kernel of kernels.cu; gpu/kernelhost checks that none is missing.
const Kernel kernels[] = {
	KERNEL(conv_fwd), KERNEL(conv_act_fwd), KERNEL(conv_bwd_data), KERNEL(conv_bwd_filter),
	KERNEL(conv_bwd_bias), KERNEL(act_fwd), KERNEL(act_bwd), KERNEL(pool_fwd), KERNEL(pool_bwd),
	KERNEL(gemm), KERNEL(gemm_act), KERNEL(colsum), KERNEL(gather_batch), KERNEL(sgd_update),
	KERNEL(xent_step),
};

const Kernel selftests[] = {KERNEL(selftest_early_return), KERNEL(selftest_uneven_sync)};

[[noreturn]] void fail(int code, const std::string& msg) {
	std::fprintf(stderr, "hostemu: %s\n", msg.c_str());
	std::exit(code);
}

struct Launch {
	const Kernel* k = nullptr;
	unsigned grid[2] = {0, 0}, block[2] = {0, 0};
	std::vector<std::string> paths;
	std::vector<bool> tables;
	std::vector<std::vector<unsigned char>> mem;
	std::vector<std::pair<char, std::uint64_t>> args; // 'b' buffer index, 'v' value
};

Launch parse(const char* file) {
	std::ifstream in(file);
	if (!in) fail(1, std::string("cannot read ") + file);
	Launch l;
	std::string line;
	for (int no = 1; std::getline(in, line); no++) {
		std::istringstream ls(line);
		std::string d, a;
		ls >> d;
		auto bad = [&]() { fail(2, std::string(file) + " line " + std::to_string(no) + ": cannot read \"" + line + "\""); };
		if (d == "kernel") {
			ls >> a;
			for (const Kernel& k : kernels)
				if (a == k.name) l.k = &k;
			for (const Kernel& k : selftests)
				if (a == k.name) l.k = &k;
			if (!l.k) fail(2, "no kernel " + a + " (hostemu -list names them)");
		} else if (d == "grid" || d == "block") {
			unsigned* v = d == "grid" ? l.grid : l.block;
			if (!(ls >> v[0] >> v[1]) || v[0] == 0 || v[1] == 0) bad();
		} else if (d == "buffer" || d == "table") {
			if (!(ls >> a)) bad();
			std::ifstream f(a, std::ios::binary);
			if (!f) fail(1, "cannot read buffer " + a);
			l.mem.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
			l.paths.push_back(a);
			l.tables.push_back(d == "table");
		} else if (d == "arg") {
			ls >> a;
			long long v = 0;
			unsigned long long u = 0;
			if (a == "null") l.args.push_back({'v', 0});
			else if (a == "buf" && ls >> u && u < l.mem.size()) l.args.push_back({'b', u});
			else if (a == "int" && ls >> v) l.args.push_back({'v', static_cast<std::uint64_t>(v)});
			else if (a == "float" && ls >> u) l.args.push_back({'v', u});
			else bad();
		} else if (!d.empty()) {
			bad();
		}
	}
	if (!l.k || !l.grid[0] || !l.block[0]) fail(2, std::string(file) + ": needs kernel, grid and block");
	if (std::uint64_t(l.block[0]) * l.block[1] > 1024)
		fail(2, "a block of " + std::to_string(l.block[0]) + "x" + std::to_string(l.block[1]) + " threads: a GPU block has at most 1024");
	if (l.args.size() != l.k->nargs)
		fail(2, std::string(l.k->name) + " takes " + std::to_string(l.k->nargs) + " arguments, got " + std::to_string(l.args.size()));
	return l;
}

// A fiber's saved registers, and the switch from one to another: on x86-64 a few
// instructions (below), elsewhere or with -ucontext glibc's swapcontext. That one also
// saves the signal mask with a system call at every switch: conv_bwd_filter's 2,400
// blocks of 256 threads switch about 12 million times, which took seconds of system
// time.
struct Context {
	void* sp;      // the x86-64 switch: the saved stack pointer
	ucontext_t uc; // swapcontext's
};

#if defined(__x86_64__)
bool use_ucontext = false;

// The registers the System V ABI has a function preserve are pushed on the running
// stack, whose pointer is saved; the other stack's are popped. MXCSR and the x87
// control word are preserved too by the ABI, but nothing here changes them, so every
// fiber runs with the driver's.
extern "C" void hostemu_switch(void** save_sp, void* sp);
asm(R"(
	.pushsection .text
	.p2align 4
	.type hostemu_switch, @function
hostemu_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size hostemu_switch, .-hostemu_switch
	.popsection
)");

// asm_context prepares c to start entry, which must never return, on the stack
// [lo, lo+size): six zero registers for the switch to pop and entry's address for
// its ret, above which the stack pointer is 8 mod 16, as at any function's entry.
void asm_context(Context& c, char* lo, std::size_t size, void (*entry)()) {
	auto* top = reinterpret_cast<std::uintptr_t*>((reinterpret_cast<std::uintptr_t>(lo + size)) & ~std::uintptr_t(15));
	top[-1] = 0; // entry's return address: none
	top[-2] = reinterpret_cast<std::uintptr_t>(entry);
	for (int r = 3; r <= 8; r++) top[-r] = 0;
	c.sp = top - 8;
}
#else
bool use_ucontext = true;
void hostemu_switch(void**, void*) {}
void asm_context(Context&, char*, std::size_t, void (*)()) {}
#endif

void switch_context(Context& save, Context& to) {
	if (use_ucontext) swapcontext(&save.uc, &to.uc);
	else hostemu_switch(&save.sp, to.sp);
}

bool make_context(Context& c, char* lo, std::size_t size, void (*entry)()) {
	if (!use_ucontext) {
		asm_context(c, lo, size, entry);
		return true;
	}
	if (getcontext(&c.uc) != 0) return false;
	c.uc.uc_stack.ss_sp = lo;
	c.uc.uc_stack.ss_size = size;
	c.uc.uc_link = nullptr;
	makecontext(&c.uc, entry, 0);
	return true;
}

// A thread of the running block: a fiber, run by the driver's one OS thread.
struct Fiber {
	Context ctx;
	unsigned syncs;  // the SYNC()s it has called in the running block
	bool returned;   // it has returned from the kernel in the running block
	char* stack;     // the lowest byte of its stack
};

// The running launch: its fibers, the one running now, and the driver's context, to
// which a fiber switches when it calls SYNC() or returns.
struct Scheduler {
	Context ctx;
	std::vector<Fiber> fibers;
	Fiber* cur = nullptr;
	const Kernel* k = nullptr;
	const std::uint64_t* words = nullptr;
} sched;

// A fiber's stack. hostemu -stack over every launch of gpu/kernelhost's tests
// measured at most 3.5 KiB: the kernels' own frames take under 0.5 KiB, the rest is the
// dynamic linker's when a thread's first call of exp2f resolves it (it saves the vector
// registers on the stack). 64 KiB leaves a wide margin; an overflow faults on the
// inaccessible page below each stack rather than writing another fiber's.
constexpr std::size_t stack_bytes = 64 << 10;

// fiber_main is every fiber's body: the kernel once per block, switching back to the
// driver after each. A fiber is not resumed after the last block.
void fiber_main() {
	for (;;) {
		sched.k->call(sched.words);
		sched.cur->returned = true;
		switch_context(sched.cur->ctx, sched.ctx);
	}
}

// start_fibers makes one fiber per thread of a block, each on its own stack.
void start_fibers(unsigned threads) {
	std::size_t page = sysconf(_SC_PAGESIZE), each = page + stack_bytes;
	void* m = mmap(nullptr, threads * each, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) fail(1, "cannot map " + std::to_string(threads) + " fiber stacks: " + std::strerror(errno));
	char* base = static_cast<char*>(m);
	sched.fibers.assign(threads, Fiber{});
	for (unsigned t = 0; t < threads; t++) {
		Fiber& f = sched.fibers[t];
		f.stack = base + t * each + page;
		if (mprotect(base + t * each, page, PROT_NONE) != 0 || !make_context(f.ctx, f.stack, stack_bytes, fiber_main))
			fail(1, std::string("cannot set up a fiber: ") + std::strerror(errno));
	}
}

// mismatch stops the driver on a block whose threads disagree on SYNC(): in the round
// just run some returned and others wait at a SYNC().
[[noreturn]] void mismatch(const Launch& l) {
	const Fiber *ret = nullptr, *wait = nullptr;
	for (const Fiber& f : sched.fibers) {
		if (f.returned && !ret) ret = &f;
		if (!f.returned && !wait) wait = &f;
	}
	auto thread = [&](const Fiber* f) {
		unsigned t = f - sched.fibers.data();
		return "thread (" + std::to_string(t % l.block[0]) + "," + std::to_string(t / l.block[0]) + ")";
	};
	fail(1, std::string(l.k->name) + " block (" + std::to_string(hostemu::here.bid_x) + "," +
		std::to_string(hostemu::here.bid_y) + "): " + thread(ret) + " returned after " +
		std::to_string(ret->syncs) + " calls of SYNC() while " + thread(wait) + " waits in call " +
		std::to_string(wait->syncs) + ": every thread of a block must call SYNC() equally often (on a GPU this hangs or is undefined)");
}

// run_block runs block (bx, by): every fiber up to its next SYNC() or its return, in
// thread order, round after round until all have returned.
void run_block(const Launch& l, unsigned bx, unsigned by) {
	for (Fiber& f : sched.fibers) f.syncs = 0, f.returned = false;
	unsigned threads = sched.fibers.size();
	for (;;) {
		unsigned returned = 0;
		for (unsigned t = 0; t < threads; t++) {
			hostemu::here = {t % l.block[0], t / l.block[0], bx, by, l.block[0], l.block[1], l.grid[0], l.grid[1]};
			sched.cur = &sched.fibers[t];
			switch_context(sched.ctx, sched.cur->ctx);
			returned += sched.cur->returned;
		}
		if (returned == threads) return;
		if (returned != 0) mismatch(l);
	}
}

// run launches l, its blocks one after another, each on the same fibers.
void run(Launch& l) {
	for (std::size_t j = 0; j < l.mem.size(); j++) {
		if (!l.tables[j]) continue;
		for (std::size_t o = 0; o + 8 <= l.mem[j].size(); o += 8) {
			std::uint64_t w;
			std::memcpy(&w, &l.mem[j][o], 8);
			std::uint64_t ref = w - (std::uint64_t(1) << 63);
			if (ref < l.mem.size()) {
				w = reinterpret_cast<std::uint64_t>(l.mem[ref].data());
				std::memcpy(&l.mem[j][o], &w, 8);
			}
		}
	}
	std::vector<std::uint64_t> words;
	for (auto [kind, v] : l.args) words.push_back(kind == 'b' ? reinterpret_cast<std::uint64_t>(l.mem[v].data()) : v);
	sched.k = l.k;
	sched.words = words.data();
	start_fibers(l.block[0] * l.block[1]);
	for (unsigned by = 0; by < l.grid[1]; by++)
		for (unsigned bx = 0; bx < l.grid[0]; bx++) run_block(l, bx, by);
}

// deepest_stack is the most stack any fiber used: the stacks start as zero pages, so
// the lowest nonzero byte bounds what a fiber wrote (from below: it may have written
// zeros deeper).
std::size_t deepest_stack() {
	std::size_t most = 0;
	for (const Fiber& f : sched.fibers) {
		std::size_t low = 0;
		while (low < stack_bytes && f.stack[low] == 0) low++;
		most = std::max(most, stack_bytes - low);
	}
	return most;
}

} // namespace

void hostemu::sync() {
	sched.cur->syncs++;
	switch_context(sched.cur->ctx, sched.ctx);
}

int main(int argc, char** argv) {
	if (argc == 2 && std::strcmp(argv[1], "-list") == 0) {
		for (const Kernel& k : kernels) std::printf("%s\n", k.name);
		return 0;
	}
	bool stack = false;
	int a = 1;
	for (; a < argc - 1; a++) {
		if (std::strcmp(argv[a], "-stack") == 0) stack = true;
		else if (std::strcmp(argv[a], "-ucontext") == 0) use_ucontext = true;
		else break;
	}
	if (a != argc - 1) fail(2, "usage: hostemu [-stack] [-ucontext] LAUNCHFILE | hostemu -list");
	Launch l = parse(argv[a]);
	run(l);
	if (stack) std::printf("%s: %zu of %zu stack bytes\n", l.k->name, deepest_stack(), stack_bytes);
	for (std::size_t j = 0; j < l.mem.size(); j++) {
		if (l.tables[j]) continue;
		std::ofstream f(l.paths[j], std::ios::binary | std::ios::trunc);
		f.write(reinterpret_cast<const char*>(l.mem[j].data()), l.mem[j].size());
		if (!f) fail(1, "cannot write " + l.paths[j]);
	}
	return 0;
}
