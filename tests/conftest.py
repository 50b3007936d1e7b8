import os, pytest
from sleepy_coder.rustc import Harness, Rustc, RustLimits
from sleepy_coder.sandbox import Limits, Sandbox

LIMITS = RustLimits(compile=Limits(wall_s=20, cpu_s=20, memory_mb=2048, nproc=64, file_mb=64, output_kib=256),
                    run=Limits(wall_s=2, cpu_s=2, memory_mb=256, nproc=16, file_mb=1, output_kib=64))

def sandbox_for(mode: str) -> Sandbox:
    "`default`: whatever this machine allows; `no-namespaces`: the test-only switch that forces the modes without them"
    if mode == "default": return Sandbox()
    if os.geteuid() == 0: return Sandbox(namespaces=False)            # root without namespaces: the `uid` mode
    return Sandbox(namespaces=False, allow_unsandboxed=True)           # a user without namespaces, opted out: limits only

@pytest.fixture(scope="session", params=["default", "no-namespaces"])
def harness(request):
    "A harness with tight limits so hostile programs end fast, no cache, in each sandbox mode this machine can produce"
    return Harness(Rustc(limits=LIMITS, sandbox=sandbox_for(request.param)))
