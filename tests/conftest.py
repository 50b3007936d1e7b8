import os, pytest
from sleepy_coder.rustc import Harness, Rustc, RustLimits
from sleepy_coder.sandbox import Limits

@pytest.fixture(scope="session")
def harness():
    "A harness with tight limits so hostile programs end fast, and no cache"
    lim = RustLimits(compile=Limits(wall_s=20, cpu_s=20, memory_mb=2048, nproc=64, file_mb=64, output_kib=256),
                     run=Limits(wall_s=2, cpu_s=2, memory_mb=256, nproc=16, file_mb=1, output_kib=64))
    return Harness(Rustc(limits=lim))
