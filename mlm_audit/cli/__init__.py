"""The command-line interface: the only place that parses arguments, prints or exits."""

from mlm_audit.cli import memory

# before anything loads polars or numpy, which read these options once (cli/memory.py)
POLARS_ALLOCATOR_SET = memory.polars_keep_freed()
BLAS_ONE_THREAD = memory.blas_one_thread()
POLARS_SMALL_CHUNKS = memory.polars_small_chunks()
POLARS_THREADS_SET = memory.polars_half_the_cores()
