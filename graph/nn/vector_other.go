//go:build !amd64 || purego

package nn

// The vector kernels compute nothing in this build: the Go loops do all.

func sigmoidVector(x, y []float32) int { return 0 }

func reluVector(x, y []float32) int { return 0 }

func reluGradVector(y, dy, dx []float32) int { return 0 }

func sigmoidGradVector(y, dy, dx []float32) int { return 0 }

func addVector(dst, src []float32) int { return 0 }

func tanhVector(x, y []float32) int { return 0 }

func tanhGradVector(y, dy, dx []float32) int { return 0 }
