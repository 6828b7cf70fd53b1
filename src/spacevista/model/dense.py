"""The dense branch: frozen DINOv3 features of the frames, merged 2x2 and projected to the LLM width, then
fused into Qwen2.5-VL's video tokens by cross-attention (video tokens are queries, dense tokens keys/values).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class RMSNorm(nn.Module):
    """Root-mean-square norm with a learned gain (as Qwen's vision merger uses)."""

    def __init__(self, dim: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


def sincos_1d(dim: int, pos: torch.Tensor) -> torch.Tensor:
    """(n,) positions -> (n, dim) embedding, sine half then cosine half, frequencies 1/10000^(2i/dim)."""
    omega = torch.arange(dim // 2, dtype=torch.float32, device=pos.device) / (dim / 2.0)
    omega = 1.0 / (10000.0 ** omega)
    out = pos.float().reshape(-1, 1) * omega.reshape(1, -1)
    return torch.cat([torch.sin(out), torch.cos(out)], dim=1)


def sincos_2d(height: int, width: int, dim: int, device: torch.device | None = None) -> torch.Tensor:
    """2D sin-cos position embedding (height*width, dim), row-major; half the channels encode the row."""
    if dim % 4:
        raise ValueError(f"2D sin-cos embedding needs dim divisible by 4, got {dim}")
    rows, cols = torch.meshgrid(torch.arange(height, device=device), torch.arange(width, device=device),
                                indexing="ij")
    return torch.cat([sincos_1d(dim // 2, rows.reshape(-1)), sincos_1d(dim // 2, cols.reshape(-1))], dim=1)


class DenseMerger(nn.Module):
    """Dense patch features (frames, h, w, C) -> RMSNorm -> 2x2 spatial merge -> MLP -> (frames, h/2, w/2, D)."""

    def __init__(self, in_dim: int, hidden_dim: int, out_dim: int, merge: int = 2) -> None:
        super().__init__()
        self.merge = merge
        self.norm = RMSNorm(in_dim)
        self.mlp = nn.Sequential(nn.Linear(in_dim * merge * merge, hidden_dim), nn.GELU(),
                                 nn.Linear(hidden_dim, out_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, h, w, c = x.shape
        m = self.merge
        if h % m or w % m:
            raise ValueError(f"dense patch grid {h}x{w} is not divisible by the merge size {m}")
        x = self.norm(x).reshape(n, h // m, m, w // m, m, c).permute(0, 1, 3, 2, 4, 5)
        return self.mlp(x.reshape(n, h // m, w // m, m * m * c))


class CrossAttentionBlock(nn.Module):
    """Pre-norm cross-attention (queries from the video tokens, keys/values from the dense tokens, 2D sin-cos
    positions added to queries and keys), residual, then a residual 4x MLP."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: int = 4, dropout: float = 0.0) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.norm_q = nn.LayerNorm(dim)
        self.norm_k = nn.LayerNorm(dim)
        self.norm_v = nn.LayerNorm(dim)
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)
        self.attn_dropout = dropout
        self.norm_mlp = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim * mlp_ratio), nn.GELU(), nn.Dropout(dropout),
                                 nn.Linear(dim * mlp_ratio, dim), nn.Dropout(dropout))

    def forward(self, x: torch.Tensor, dense: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        """x: (T, N, D) video tokens; dense: (T, M, D); pos: (N, D) == (M, D) here."""
        t, n, d = x.shape
        h = self.num_heads
        q = self.q_proj(self.norm_q(x) + pos).view(t, n, h, d // h).transpose(1, 2)
        k = self.k_proj(self.norm_k(dense) + pos).view(t, -1, h, d // h).transpose(1, 2)
        v = self.v_proj(self.norm_v(dense)).view(t, -1, h, d // h).transpose(1, 2)
        attn = F.scaled_dot_product_attention(q, k, v, dropout_p=self.attn_dropout if self.training else 0.0)
        x = x + self.out_proj(attn.transpose(1, 2).reshape(t, n, d))
        return x + self.mlp(self.norm_mlp(x))


class DenseFusion(nn.Module):
    """A stack of cross-attention blocks producing the fused video tokens."""

    def __init__(self, dim: int, num_layers: int, num_heads: int, mlp_ratio: int, dropout: float) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(CrossAttentionBlock(dim, num_heads, mlp_ratio, dropout) for _ in range(num_layers))

    def forward(self, video: torch.Tensor, dense: torch.Tensor) -> torch.Tensor:
        """video, dense: (T, h, w, D) on the same merged grid -> fused (T, h, w, D)."""
        if video.shape != dense.shape:
            raise ValueError(f"video tokens {tuple(video.shape)} and dense tokens {tuple(dense.shape)} differ")
        t, hh, ww, d = video.shape
        pos = sincos_2d(hh, ww, d, device=video.device).to(video.dtype)
        x = video.reshape(t, hh * ww, d)
        kv = dense.reshape(t, hh * ww, d)
        for block in self.blocks:
            x = block(x, kv, pos)
        return x.reshape(t, hh, ww, d)


def dense_patch_grid(features: torch.Tensor, num_prefix: int, height: int, width: int, patch: int) -> torch.Tensor:
    """DINOv3 last hidden state (frames, prefix + h*w, C) -> patch grid (frames, h, w, C)."""
    h, w = height // patch, width // patch
    grid = features[:, num_prefix:, :]
    if grid.shape[1] != h * w:
        raise ValueError(f"dense encoder gave {grid.shape[1]} patch tokens for a {h}x{w} grid")
    return grid.reshape(features.shape[0], h, w, features.shape[-1])


def resize_grid(x: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Resample a (frames, h, w, C) grid to (frames, height, width, C) when the two encoders' grids differ."""
    if x.shape[1] == height and x.shape[2] == width:
        return x
    y = F.interpolate(x.permute(0, 3, 1, 2).float(), size=(height, width), mode="bilinear", align_corners=False)
    return y.to(x.dtype).permute(0, 2, 3, 1)
