"""The GPU's measured ceilings for the performance report: device copy bandwidth and dense
matrix-multiply throughput per dtype (torch/cuBLAS), CUDA-event medians. Prints one JSON
object ({"benchmark": "roofs", ...}) for `ssdcheck report perf --input`. Run on the GPU host:
python3 reports/bench/roofs.py > roofs.json"""
import json
import statistics

import torch


def median_ms(fn, reps=20, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def copy_tbps():
    a = torch.empty(2**30, dtype=torch.uint8, device="cuda")
    b = torch.empty_like(a)
    ms = median_ms(lambda: b.copy_(a))
    return 2 * a.numel() / ms / 1e9  # read + write


def matmul_tflops(dtype, tf32):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    n = 8192
    a = torch.randn(n, n, device="cuda", dtype=dtype)
    b = torch.randn(n, n, device="cuda", dtype=dtype)
    ms = median_ms(lambda: a @ b, reps=10)
    return 2 * n**3 / ms / 1e9


print(json.dumps({
    "benchmark": "roofs",
    "gpu": torch.cuda.get_device_name(),
    "torch": torch.__version__,
    "copyTBps": copy_tbps(),
    "matmulTFLOPs": {
        "bf16": matmul_tflops(torch.bfloat16, False),
        "fp16": matmul_tflops(torch.float16, False),
        "tf32": matmul_tflops(torch.float32, True),
        "fp32": matmul_tflops(torch.float32, False),
    },
}))
