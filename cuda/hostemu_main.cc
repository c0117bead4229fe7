// hostemu_main.cc: runs one kernel of cuda/kernels.cu on the host (see hostemu.h), for
// internal/kernelhost's tests. Build:
//
//	g++ -std=c++20 -O2 -ffp-contract=off -pthread -o hostemu cuda/hostemu_main.cc
//
// Usage: hostemu LAUNCHFILE runs the launch the file describes, one directive a line:
//
//	kernel NAME          the kernel (extern "C" in kernels.cu)
//	grid GX GY           the grid and block sizes
//	block BX BY
//	buffer PATH          the next buffer (0, 1, ...): device memory holding PATH's bytes,
//	                     written back to PATH after the launch
//	table PATH           a buffer like the above, whose 8-byte words equal to
//	                     -2^63 + j are replaced by buffer j's address first (pointer tables)
//	arg buf J | arg null | arg int V | arg float BITS
//	                     the kernel's arguments in order: buffer J's address, a null
//	                     pointer, a long long, a double given by its IEEE-754 bits
//
// hostemu -list prints the kernels it knows, one a line. Errors go to stderr, one line,
// with exit status 1 (2 for bad usage).
#define KERNELS_HOST
#include "kernels.cu"

#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace hostemu {
thread_local Place here;
std::barrier<>* block_barrier;
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

// Every kernel of kernels.cu; internal/kernelhost checks that none is missing.
const Kernel kernels[] = {
	KERNEL(conv_fwd), KERNEL(conv_act_fwd), KERNEL(conv_bwd_data), KERNEL(conv_bwd_filter),
	KERNEL(conv_bwd_bias), KERNEL(act_fwd), KERNEL(act_bwd), KERNEL(pool_fwd), KERNEL(pool_bwd),
	KERNEL(gemm), KERNEL(gemm_act), KERNEL(colsum), KERNEL(gather_batch), KERNEL(sgd_update),
	KERNEL(xent_step),
};

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
	if (l.args.size() != l.k->nargs)
		fail(2, std::string(l.k->name) + " takes " + std::to_string(l.k->nargs) + " arguments, got " + std::to_string(l.args.size()));
	return l;
}

// run launches l: one thread per thread of a block, each running every block in turn,
// with a barrier at the end of each block so that the next block's shared memory is
// not written while a thread still reads the last one's.
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
	unsigned threads = l.block[0] * l.block[1];
	std::barrier<> bar(threads);
	hostemu::block_barrier = &bar;
	std::vector<std::thread> pool;
	for (unsigned t = 0; t < threads; t++) {
		pool.emplace_back([&, t]() {
			hostemu::here = {t % l.block[0], t / l.block[0], 0, 0, l.block[0], l.block[1], l.grid[0], l.grid[1]};
			for (unsigned by = 0; by < l.grid[1]; by++)
				for (unsigned bx = 0; bx < l.grid[0]; bx++) {
					hostemu::here.bid_x = bx;
					hostemu::here.bid_y = by;
					l.k->call(words.data());
					bar.arrive_and_wait();
				}
		});
	}
	for (std::thread& th : pool) th.join();
}

} // namespace

int main(int argc, char** argv) {
	if (argc == 2 && std::strcmp(argv[1], "-list") == 0) {
		for (const Kernel& k : kernels) std::printf("%s\n", k.name);
		return 0;
	}
	if (argc != 2) fail(2, "usage: hostemu LAUNCHFILE | hostemu -list");
	Launch l = parse(argv[1]);
	run(l);
	for (std::size_t j = 0; j < l.mem.size(); j++) {
		if (l.tables[j]) continue;
		std::ofstream f(l.paths[j], std::ios::binary | std::ios::trunc);
		f.write(reinterpret_cast<const char*>(l.mem[j].data()), l.mem[j].size());
		if (!f) fail(1, "cannot write " + l.paths[j]);
	}
	return 0;
}
