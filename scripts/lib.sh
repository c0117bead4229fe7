# Shell functions the benchmark scripts share; source it from the repository root.

# data_dir prints the Fashion-MNIST folder: $DATA when set, otherwise the folder
# scripts/data.sh finds, installs or downloads (its last line names it).
data_dir() {
	if [ -n "${DATA:-}" ]; then
		echo "$DATA"
		return
	fi
	./scripts/data.sh | sed -n 's/^Fashion-MNIST is in //p' | tail -n 1
}
