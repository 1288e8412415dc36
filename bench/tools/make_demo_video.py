"""Make the demo's short recorded lesson (studyhub/demo/data/live-lesson.mp4).

Eight seconds at 320x180, 10 frames a second, H.264 (plays in WeChat's browser,
Safari and Chrome), drawn with Pillow and encoded with PyAV (``pip install av``;
BSD licence, its wheels carry FFmpeg). Not a dependency of studyhub: run it
only to remake the file::

    python bench/tools/make_demo_video.py studyhub/demo/data/live-lesson.mp4
"""

from __future__ import annotations

import sys
from fractions import Fraction

import av
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT, FPS, SECONDS = 320, 180, 10, 8
FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def frame(index: int, font, small) -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), (178, 24, 30))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, HEIGHT - 36, WIDTH, HEIGHT), fill=(140, 16, 22))
    draw.text((20, 40), "直播党课 · 演示", fill=(255, 222, 120), font=font)
    seconds = index / FPS
    draw.text((20, 100), f"00:{int(seconds):02d}", fill=(255, 255, 255), font=small)
    x = int((WIDTH - 40) * index / (FPS * SECONDS))
    draw.ellipse((x + 10, HEIGHT - 30, x + 34, HEIGHT - 6), fill=(255, 222, 120))
    return image


def main(path: str) -> None:
    try:
        font, small = ImageFont.truetype(FONT, 30), ImageFont.truetype(FONT, 22)
    except OSError:
        font = small = ImageFont.load_default()
    with av.open(path, "w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.time_base = Fraction(1, FPS)
        stream.options = {"crf": "30", "preset": "veryslow", "profile": "baseline"}
        for index in range(FPS * SECONDS):
            video_frame = av.VideoFrame.from_image(frame(index, font, small))
            video_frame.pts = index
            for packet in stream.encode(video_frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "live-lesson.mp4")
