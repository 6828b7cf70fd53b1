"""``spacevista ask``: answer a question about a video with a local model folder."""

from __future__ import annotations

import click


@click.command("ask")
@click.option("--model", "model_path", required=True, type=click.Path(exists=True, file_okay=False),
              help="local SpaceVista or Qwen2.5-VL model folder")
@click.argument("video", type=click.Path(exists=True))
@click.argument("question")
@click.option("--frames", "num_frames", default=16, show_default=True, help="frames sampled from the video")
@click.option("--max-new-tokens", default=512, show_default=True)
@click.option("--device", default="cpu", show_default=True)
@click.option("--dtype", default="float32", show_default=True, type=click.Choice(["float32", "bfloat16", "float16"]))
@click.option("--system", default=None, help="system prompt (default: the SpaceVista answer format)")
def ask(model_path: str, video: str, question: str, num_frames: int, max_new_tokens: int, device: str,
        dtype: str, system: str | None) -> None:
    """Answer QUESTION about VIDEO (an mp4 or a folder of images) with <think>...<answer> reasoning."""
    from spacevista.qa.types import Prompt
    from spacevista.model.backend import SPACEVISTA_SYSTEM, TransformersBackend
    from spacevista.model.video import read_frames

    try:
        frames = read_frames(video, num_frames)
    except (ValueError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from e
    backend = TransformersBackend(model_path, device=device, dtype=dtype, max_new_tokens=max_new_tokens,
                                  system=system or SPACEVISTA_SYSTEM)
    prompt = Prompt(id="ask", text=question, images=frames, max_new_tokens=max_new_tokens)
    click.echo(backend.answer([prompt])[0])
