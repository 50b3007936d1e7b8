"""Does the device's PyTorch hit the cuDNN attention-backward NaN (pytorch/pytorch#196678, huggingface/trl#7181)?

    python bench/gpu/sdpa_nan.py --out sdpa-nan.json

Runs the issue's repro (every attention logit about -120, so each row's log-sum-exp is below ln(FLT_MAX)
in magnitude; an explicit causal mask) at several lengths, in bf16, with the default backends, with
cuDNN excluded (as `lora.fit` trains), and with `is_causal=True` and no mask. Prints and
writes the count of non-finite values in the query gradient for each. Needs no model: it runs while the
weights are still being shipped.
"""
import argparse, json, math
import torch, torch.nn.functional as F
from torch.nn.attention import sdpa_kernel, SDPBackend

def grad_q_nonfinite(L, D=64, how="default"):
    torch.manual_seed(0)
    q = torch.randn(1, 1, L, D, device="cuda", dtype=torch.bfloat16) * 0.1
    k = torch.randn(1, 1, L, D, device="cuda", dtype=torch.bfloat16) * 0.1
    v = torch.randn(1, 1, L, D, device="cuda", dtype=torch.bfloat16)
    q[..., 0], k[..., 0] = 1.0, -120 * math.sqrt(D)
    for t in (q, k, v): t.requires_grad_()
    mask = torch.ones(L, L, dtype=torch.bool, device="cuda").tril()[None, None]
    if how == "default": out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    elif how == "no cudnn":
        with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]):
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    else: out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    out.backward(torch.randn_like(out))
    return int((~torch.isfinite(q.grad)).sum())

if __name__ == "__main__":
    ap = argparse.ArgumentParser(); ap.add_argument("--out", default=None); a = ap.parse_args()
    res = dict(torch=torch.__version__, cudnn=torch.backends.cudnn.version(), device=torch.cuda.get_device_name(), rows=[])
    for L in (640, 704, 768, 1088, 1152):
        for how in ("default", "no cudnn", "is_causal, no mask"):
            try: n = grad_q_nonfinite(L, how=how)
            except Exception as e: n = f"{type(e).__name__}: {e}"[:200]
            res["rows"].append(dict(L=L, L_mod_128=L % 128, how=how, grad_q_nonfinite=n)); print(res["rows"][-1], flush=True)
    if a.out: open(a.out, "w").write(json.dumps(res, indent=1))
