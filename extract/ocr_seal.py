"""A seal (公章) in a grey scan: found by its ring, its ring and star turned to paper.

A red seal scanned in grey is about as dark as print (its red's luminance: 75–115 of 255), and
no colour tells it. Its shape does: an official seal is a ring about 4 cm across (38–45 mm;
a circle of ink of one width and one grey all round, which no table, ruling or text makes),
with a star in its middle and its unit's name in an arc inside the ring.

* :func:`find_ring`: circles of a seal's size by the Hough transform (the page at a quarter
  of its resolution), each refined and kept only when the circle is ink nearly all round
  (:data:`RING_COVER`; a circle of that size drawn over print meets ink on 0.14–0.25 of it,
  measured on the scanned fixtures without a seal; the rings 0.98–1.0);
* :func:`ring_cleaned`: seal ink multiplies what is under it, so where the seal's shape
  says it covers (the ring, the star: solid ink wider than any printed stroke) the grey is
  divided by the seal's share of the light (its grey over the paper's, measured on the
  ring): the seal becomes paper, print under it its own grey again;
* :func:`seal_pieces`: the unit's name inside the ring is left on the page (its strokes are
  as thin as print's and, at 150–200 dpi, as light: no darkness threshold on pixels or
  strokes told them from the print outside the seal, measured); a piece of text cut from
  the print by a gap that is all of it, no darker than the seal alone where the page's
  print is darker, is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: a seal's radius, inches (official round seals are 38–45 mm across; a margin either side)
SEAL_RADIUS_IN = (0.6, 1.05)
#: a ring is ink at this share of its circumference at least (print: 0.25 at most)
RING_COVER = 0.8
#: ink of a ring sample: darker than this share of the way from the paper to black
RING_INK = 0.3


@dataclass(frozen=True, slots=True)
class Ring:
    """A seal's ring on the page (pixels): centre, radius, the ring's width, the seal's grey
    (the median of the ring's core all round), its grain (the spread of that grey) and the
    share of the circumference that is ink."""

    cx: int
    cy: int
    r: int
    width: int
    level: float
    grain: float
    cover: float


def _samples(cx: float, cy: float, r: float, n: int, shape: tuple[int, int]
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    th = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    xs = np.rint(cx + r * np.cos(th)).astype(int)
    ys = np.rint(cy + r * np.sin(th)).astype(int)
    inside = (xs >= 0) & (xs < shape[1]) & (ys >= 0) & (ys < shape[0])
    return np.clip(xs, 0, shape[1] - 1), np.clip(ys, 0, shape[0] - 1), inside


def _cover(grey: np.ndarray, cx: float, cy: float, r: float, dark: float) -> float:
    """Share of the circle (within the page) whose pixel is ink (below ``dark``)."""
    xs, ys, inside = _samples(cx, cy, r, 360, grey.shape)
    if inside.mean() < 0.5:
        return 0.0
    return float((grey[ys, xs][inside] < dark).mean())


def find_ring(grey: np.ndarray, dpi: int) -> Ring | None:
    """The ring of a seal on a grey page, or None (see the module)."""
    import cv2

    f = 4
    small = cv2.resize(grey, None, fx=1 / f, fy=1 / f, interpolation=cv2.INTER_AREA)
    rmin, rmax = (int(v * dpi / f) for v in SEAL_RADIUS_IN)
    found = cv2.HoughCircles(cv2.GaussianBlur(small, (3, 3), 0), cv2.HOUGH_GRADIENT, dp=1,
                             minDist=rmin, param1=100, param2=20, minRadius=rmin,
                             maxRadius=rmax)
    if found is None:
        return None
    paper = float(np.percentile(grey, 75))
    dark = paper * (1 - RING_INK)
    half = cv2.resize(grey, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    best: tuple[float, float, float, float] | None = None
    for hx, hy, hr in found[0][:5]:
        # refine on the half-resolution page: the Hough centre is off by a few pixels
        cx, cy, r = hx * f / 2, hy * f / 2, hr * f / 2
        cands = [(cx + dx, cy + dy, r + dr) for dx in range(-6, 7, 2) for dy in range(-6, 7, 2)
                 for dr in range(-6, 7, 2)]
        cov, bx, by, br = max((_cover(half, x, y, rr, dark), x, y, rr) for x, y, rr in cands)
        for x, y, rr in [(bx + dx, by + dy, br + dr) for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                         for dr in (-1, 0, 1)]:
            c = _cover(half, x, y, rr, dark)
            if c > cov:
                cov, bx, by, br = c, x, y, rr
        if cov >= RING_COVER and (best is None or cov > best[0]):
            best = (cov, bx * 2, by * 2, br * 2)
    if best is None:
        return None
    cov, cx, cy, r = best
    return _measured(grey, cx, cy, r, cov, dark)


def _measured(grey: np.ndarray, cx: float, cy: float, r: float, cov: float, dark: float
              ) -> Ring | None:
    """The ring's radius, width and grey from radial profiles at every degree: at each, the
    run of ink about the radius; its darkest pixel is the seal's grey where nothing crosses."""
    reach = 8
    th = np.linspace(0.0, 2 * np.pi, 360, endpoint=False)
    rs = np.arange(r - reach, r + reach + 1)
    xs = np.rint(cx + np.outer(np.cos(th), rs)).astype(int)
    ys = np.rint(cy + np.outer(np.sin(th), rs)).astype(int)
    ok = ((xs >= 0) & (xs < grey.shape[1]) & (ys >= 0) & (ys < grey.shape[0])).all(axis=1)
    prof = grey[ys[ok], xs[ok]].astype(np.float32)
    if len(prof) < 90:
        return None
    widths = (prof < dark).sum(axis=1)
    centres = np.array([rs[p < dark].mean() if (p < dark).any() else np.nan for p in prof])
    radius = float(np.nanmedian(centres)) if np.isfinite(centres).any() else r
    width = round(float(np.median(widths[widths > 0]))) if (widths > 0).any() else 1
    # the seal's grey: the ring's core (its darkest pixel within a pixel of its middle) all
    # round; where print crosses it the core is darker, a few degrees of 360: the median is
    # the seal's own
    mid = int(np.argmin(np.abs(rs - radius)))
    core = prof[:, max(0, mid - 1):mid + 2].min(axis=1)
    level = float(np.median(core))
    grain = float(np.median(np.abs(core - level))) * 1.4826
    return Ring(round(cx), round(cy), round(radius), max(width, 1), level,
                max(grain, 2.0), cov)


#: the star of a seal: ink as wide as this many ring widths at least (print's strokes are
#: thinner: a ruling, a character's stroke)
STAR_WIDTHS = 2.0
#: the star lies within this share of the ring's radius
STAR_REACH = 0.55


def lifted_by_share(grey: np.ndarray, cover: np.ndarray, seal_grey: float) -> np.ndarray:
    """``grey`` with a seal's ink lifted to paper where it covers (``cover``: 0 to 1, or a
    mask). Seal ink multiplies what is under it: its share of the light is its grey
    (``seal_grey``) over the paper's (the page's 75th percentile), and a covered pixel's grey
    is divided by it, so the seal becomes paper and print under it keeps its own grey."""
    paper = float(np.percentile(grey, 75))
    share = min(max(seal_grey / max(paper, 1.0), 0.05), 1.0)
    if cover.dtype == bool:
        lifted = np.where(cover, grey.astype(np.float32) / share, grey)
    else:
        lifted = grey.astype(np.float32) / (1.0 - cover * (1.0 - share))
    return np.clip(lifted, 0, 255).astype(np.uint8)


def ring_cleaned(grey: np.ndarray, ring: Ring) -> tuple[np.ndarray, np.ndarray]:
    """The page with the seal's ring and star lifted to paper, and the mask of where they are.

    Seal ink multiplies what is under it (its share of the light: its grey over the
    paper's), so where it covers, a pixel's grey is divided by that share: the seal becomes
    paper, print under it its own grey again. Where it covers is known by shape: the ring
    (its radius ± half its width and a pixel and a half of blur) and the star (solid ink
    in the middle, wider than :data:`STAR_WIDTHS` ring widths, as no printed stroke is)."""
    import cv2

    paper = float(np.percentile(grey, 75))
    yy, xx = np.ogrid[:grey.shape[0], :grey.shape[1]]
    dist = np.sqrt((xx - ring.cx) ** 2 + (yy - ring.cy) ** 2)
    cover = np.abs(dist - ring.r) <= ring.width / 2 + 1.5
    solid = ((grey < (ring.level + paper) / 2) & (dist <= STAR_REACH * ring.r)).astype(np.uint8)
    k = max(3, int(STAR_WIDTHS * ring.width) | 1)
    solid = cv2.morphologyEx(solid, cv2.MORPH_OPEN,
                             cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    cover |= cv2.dilate(solid, np.ones((5, 5), np.uint8)) > 0
    return lifted_by_share(grey, cover, ring.level), cover



#: the seal alone is no darker than its grey less this many times its grain
SEAL_GRAINS = 2.0


def seal_dark(ring: Ring) -> float:
    """The darkest grey the seal's ink alone reaches: its grey less :data:`SEAL_GRAINS` times
    its grain."""
    return ring.level - SEAL_GRAINS * ring.grain


#: a piece's darkest grey, at this percentile of its ink (JPEG's ringing makes single pixels
#: of a thin stroke darker than the stroke)
LOW_PERCENTILE = 2
#: a piece's box (x0, y0, x1, y1, pixels, end exclusive)
Box = tuple[int, int, int, int]


def seal_pieces(grey: np.ndarray, text_bw: np.ndarray, boxes: list[Box], cells: list[int],
                ring: Ring) -> set[int]:
    """The pieces (their indexes in ``boxes``) that are the seal's ink alone: the unit's name
    in its arc, cut from the print by a gap. Such a piece lies inside the ring and no pixel
    of its ink (but a few: :data:`LOW_PERCENTILE`) is darker than the seal alone
    (:func:`seal_dark`); print is never lighter
    under the seal than beside it (ink multiplies), so it is taken for the seal only where
    every piece of the page's print outside the ring with as much ink or more has a pixel
    darker than that (at 150–180 dpi print is as light as the seal and nothing is dropped);
    and a piece alone in its cell (``cells``: each piece's region) is never dropped (it is
    read and checked: a cell's only value is not lost)."""
    dark = seal_dark(ring)
    lows, sizes, inside = [], [], []
    for x0, y0, x1, y1 in boxes:
        m = text_bw[y0:y1, x0:x1] > 0
        sizes.append(int(np.count_nonzero(m)))
        lows.append(float(np.percentile(grey[y0:y1, x0:x1][m], LOW_PERCENTILE))
                    if m.any() else 255.0)
        d = float(np.hypot((x0 + x1) / 2 - ring.cx, (y0 + y1) / 2 - ring.cy))
        inside.append(-1 if d < ring.r else 1 if d > ring.r * 1.3 else 0)
    light_print = [n for n, lo, w in zip(sizes, lows, inside) if w == 1 and lo >= dark]
    per_cell: dict[int, int] = {}
    for c in cells:
        per_cell[c] = per_cell.get(c, 0) + 1
    return {i for i, (n, lo, w, c) in enumerate(zip(sizes, lows, inside, cells))
            if w == -1 and lo >= dark and n and per_cell[c] > 1
            and not any(m >= n for m in light_print)}
