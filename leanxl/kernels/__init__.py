"""numba kernels: arrays in, arrays out. Imports only numpy and numba; no I/O."""
