import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ae.preprocess import (MAX_PIXELS, WORKING_SIDE, InvalidImage, _jpeg_draft_size, centre_by_mass, limits_text,
                           prepare_digit, prepare_image)


def png(img: Image.Image, fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, format=fmt)
    return buffer.getvalue()


def drawn_digit(size=(200, 160), box=(60, 30, 110, 140), paper=255, ink=0, mode="L"):
    """A '1'-like thick stroke, dark on light paper, like a photo of pen on paper."""
    img = Image.new(mode, size, paper)
    ImageDraw.Draw(img).rectangle(box, fill=ink)
    return img


def centre_of_mass(a):
    rows, cols = np.indices(a.shape)
    return (rows * a).sum() / a.sum(), (cols * a).sum() / a.sum()


def test_a_centred_digit_stays_centred_and_fits_20x20():
    result = prepare_digit(png(drawn_digit(box=(80, 30, 120, 130), size=(200, 160))))
    assert result.image.shape == (28, 28) and result.inverted
    r, c = centre_of_mass(result.image)
    assert abs(r - 13.5) <= 0.6 and abs(c - 13.5) <= 0.6
    rows, cols = np.nonzero(result.image > 0.2)
    assert rows.max() - rows.min() + 1 <= 20 and cols.max() - cols.min() + 1 <= 20
    assert rows.max() - rows.min() + 1 >= 19  # the long side is scaled to 20
    assert [title for title, _ in result.steps][0] == "grayscale"
    assert result.steps[-1][1] is result.image


def test_an_off_centre_digit_is_moved_to_the_centre():
    result = prepare_digit(png(drawn_digit(box=(5, 5, 30, 60), size=(300, 300))))
    r, c = centre_of_mass(result.image)
    assert abs(r - 13.5) <= 0.6 and abs(c - 13.5) <= 0.6


def test_white_on_black_is_not_inverted_and_colour_jpeg_works():
    img = drawn_digit(paper=(0, 0, 0), ink=(250, 250, 250), mode="RGB")
    result = prepare_digit(png(img, "JPEG"))
    assert not result.inverted
    assert result.image.max() == pytest.approx(1.0, abs=0.05)
    assert result.image[0, 0] == 0 and result.image[27, 27] == 0


def test_transparent_background_counts_as_paper():
    img = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((30, 20, 70, 80), outline=(0, 0, 0, 255), width=8)
    result = prepare_digit(png(img))
    assert result.inverted and result.image.sum() > 20


@pytest.mark.parametrize("data, words", [
    (b"", "empty"),
    (b"%PDF-1.4 not an image at all", "not an image"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "not an image"),
])
def test_non_images(data, words):
    with pytest.raises(InvalidImage, match=words):
        prepare_digit(data)


def test_blank_images():
    with pytest.raises(InvalidImage, match="blank"):
        prepare_digit(png(Image.new("L", (50, 50), 255)))
    with pytest.raises(InvalidImage, match="blank"):
        prepare_digit(png(Image.new("L", (50, 50), 0)))


def test_huge_images_are_refused_before_decoding():
    huge = png(Image.new("L", (6000, 5000), 255))  # 30 megapixels, compresses to little
    with pytest.raises(InvalidImage, match="megapixels"):
        prepare_digit(huge)


def test_centre_by_mass_hand_checked():
    digit = np.zeros((4, 2), np.float32)
    digit[0, 0] = 1.0  # all mass at the top-left pixel
    frame = centre_by_mass(digit, size=28)
    assert frame[14, 14] == 1.0 or frame[13, 13] == 1.0
    with pytest.raises(InvalidImage):
        centre_by_mass(np.zeros((3, 3)))


def test_fashion_recipe_fills_28_on_the_long_edge_and_centres_the_box():
    # A dark, tall 'trouser' on white, off to one side of the photo.
    photo = drawn_digit(size=(300, 240), box=(20, 40, 79, 219), paper=250, ink=30)
    result = prepare_image(png(photo), "fashion")
    assert result.inverted and result.image.shape == (28, 28)
    rows, cols = np.nonzero(result.image > 0.5)
    assert (rows.min(), rows.max()) == (0, 27)  # 180 px tall -> the full 28
    width = cols.max() - cols.min() + 1
    assert 8 <= width <= 11  # 60 px wide at the same scale: about 9
    assert abs((cols.min() + cols.max()) / 2 - 13.5) <= 1  # the box is centred, not its mass
    assert [title for title, _ in result.steps][-2:] == ["longest edge scaled to 28", "centred in 28x28"]


def test_fashion_recipe_centres_a_lopsided_item_by_its_box_and_mnist_by_mass():
    # An L shape: most of its mass sits in the vertical bar on the left.
    img = Image.new("L", (200, 200), 255)
    draw = ImageDraw.Draw(img)
    draw.rectangle((40, 20, 70, 180), fill=0)
    draw.rectangle((40, 150, 160, 180), fill=0)
    fashion = prepare_image(png(img), "fashion").image
    _, cols = np.nonzero(fashion > 0.5)
    assert abs((cols.min() + cols.max()) / 2 - 13.5) <= 1
    assert centre_of_mass(fashion)[1] < 12.5  # the mass stays left of the centre
    assert abs(centre_of_mass(prepare_digit(png(img)).image)[1] - 13.5) <= 0.6


def test_blank_fashion_upload_names_an_item():
    with pytest.raises(InvalidImage, match="No item found"):
        prepare_image(png(Image.new("L", (50, 50), 255)), "fashion")


def test_only_the_promised_formats_are_parsed():
    # A float TIFF named .png is parsed by content elsewhere; here it is refused, naming the limits.
    tiff = png(Image.fromarray(np.random.default_rng(0).random((40, 40), dtype=np.float32), mode="F"), "TIFF")
    with pytest.raises(InvalidImage, match="PNG, JPG, GIF, BMP or WebP; at most 20 MB; JPEG photos up to 64 "
                                           "megapixels"):
        prepare_digit(tiff)


def phone_photo(width: int, height: int, paper=(205, 200, 190), ink=(40, 40, 45)) -> bytes:
    """A phone's JPEG of a '7' on paper: grainy paper, a thick stroke, as a camera saves it."""
    rng = np.random.default_rng(0)
    # The grain is drawn small and scaled up: a full-size noise field would take seconds per photo.
    grain = Image.fromarray(np.uint8(np.clip(128 + rng.normal(0, 5, (height // 16, width // 16)), 0, 255)))
    img = Image.merge("RGB", [Image.new("L", (width, height), c) for c in paper])
    img = Image.blend(img, Image.merge("RGB", [grain.resize((width, height))] * 3), 0.1)
    ImageDraw.Draw(img).line([(0.35 * width, 0.3 * height), (0.62 * width, 0.3 * height), (0.45 * width, 0.75 * height)],
                             fill=ink, width=width // 30, joint="curve")
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


@pytest.mark.parametrize("size", [(4032, 3024), (5712, 4284), (8000, 6000)], ids=["12MP", "24MP", "48MP"])
def test_phone_photos_up_to_48_megapixels_are_read(size):
    data = phone_photo(*size)
    assert len(data) < 20 * 2**20
    digit = prepare_digit(data)
    assert digit.inverted and max(dict(digit.steps)["grayscale"].shape) <= WORKING_SIDE
    rows, cols = np.nonzero(digit.image > 0.5)
    assert rows.max() - rows.min() >= 17  # the whole '7' is there, scaled into 20x20
    # The same photo at a twentieth of the size gives nearly the same digit: nothing lost by reducing.
    small = prepare_digit(phone_photo(size[0] // 20, size[1] // 20)).image
    assert np.abs(digit.image - small).mean() < 0.05


@pytest.mark.parametrize("megapixels", [12.2, 24.5, 48, 50, 64])
def test_a_jpeg_decodes_at_most_twelve_megapixels_whatever_its_size(megapixels):
    w = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    h = int(w * 3 / 4)
    rw, rh = _jpeg_draft_size((w, h))
    scale = min(w // rw, h // rh)  # what Pillow's draft divides by: the largest of 8, 4, 2, 1 below this
    s = next(s for s in (8, 4, 2, 1) if scale >= s)
    decoded = (-(-w // s), -(-h // s))
    assert decoded[0] * decoded[1] <= MAX_PIXELS
    assert max(decoded) >= WORKING_SIDE * 0.98  # still enough to reduce to the working side


def test_the_limits_are_said_in_the_uploaders_help():
    text = limits_text()
    assert "20 MB" in text and "JPEG photos up to 64 megapixels" in text and "other formats up to 12" in text


def test_a_larger_photo_is_refused_with_the_limits():
    img = Image.new("L", (10_000, 7_000), 200)  # 70 megapixels
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=50)
    with pytest.raises(InvalidImage, match="at most 64 megapixels"):
        prepare_digit(buffer.getvalue())
    with pytest.raises(InvalidImage, match=r"PNG image of at most 12 megapixels \(JPEG photos up to 64\)"):
        prepare_digit(png(Image.new("L", (4100, 3000), 255)))


def grey_sheet(paper: int, ink: int, bits: int = 8, size=(240, 200), noise: float = 0.0) -> bytes:
    """A '1' of `ink` on paper of tone `paper` (in the file's own bits), as a scanner or a dim photo saves it."""
    rng = np.random.default_rng(1)
    pixels = np.full(size[::-1], float(paper)) + rng.normal(0, noise, size[::-1])
    pixels[40:170, 100:130] = ink
    top = 255 if bits == 8 else 65535
    pixels = np.clip(pixels, 0, top).astype(np.uint8 if bits == 8 else np.uint16)
    return png(Image.fromarray(pixels))


@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
@pytest.mark.parametrize("paper, ink, bits, noise", [
    (117, 8, 8, 0), (117, 80, 8, 0), (90, 20, 8, 3), (60, 10, 8, 2), (150, 40, 8, 0),
    (30000, 2000, 16, 0), (30000, 20000, 16, 0), (25000, 5000, 16, 300),
], ids=["117-ink8", "117-ink80", "90-noisy", "60-noisy", "150", "16bit-30000-ink2000", "16bit-30000-ink20000",
        "16bit-noisy"])
def test_dark_ink_on_dim_paper_is_the_digit(paper, ink, bits, noise, dataset):
    digit = prepare_image(grey_sheet(paper, ink, bits, noise=noise), dataset)
    assert digit.inverted  # the ink is darker than the paper: MNIST's white-on-black is its negative
    crop = dict(digit.steps)["cropped"]
    assert crop.shape[0] > 3 * crop.shape[1]  # the stroke itself, tall and thin, not the sheet
    # The same drawing on light paper gives the same prepared image.
    light = prepare_image(grey_sheet(230, 20), dataset).image
    assert np.abs(digit.image - light).max() < 0.05


@pytest.mark.parametrize("ground, chalk", [(20, 200), (117, 230), (60, 120)])
def test_light_ink_on_a_dark_ground_is_still_the_digit(ground, chalk):
    digit = prepare_digit(grey_sheet(ground, chalk))
    assert not digit.inverted
    crop = dict(digit.steps)["cropped"]
    assert crop.shape[0] > 3 * crop.shape[1]


def test_a_phone_photo_is_read_upright():
    upright = drawn_digit(size=(160, 200), box=(60, 30, 100, 170))  # a tall stroke: a "1"
    stored = upright.rotate(90, expand=True)  # as the sensor stored it: on its side...
    exif = Image.Exif()
    exif[0x0112] = 8  # ...with the orientation tag saying "rotate 90 degrees clockwise to view"
    buffer = io.BytesIO()
    stored.convert("RGB").save(buffer, format="JPEG", exif=exif.tobytes(), quality=95)
    crop = dict(prepare_digit(buffer.getvalue()).steps)["cropped"]
    assert crop.shape[0] > 2 * crop.shape[1]  # tall, as written


@pytest.mark.parametrize("paper, ink", [(65535, 0), (40000, 6000), (0, 50000)],
                         ids=["white-paper", "grey-paper-dark-ink", "light-ink-on-black"])
def test_sixteen_bit_greyscale_pngs_are_read(paper, ink):
    pixels = np.full((120, 100), paper, np.uint16)
    pixels[20:100, 40:60] = ink
    data = png(Image.fromarray(pixels))  # Pillow writes a 16-bit greyscale PNG
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    digit = prepare_digit(data)
    assert digit.image.max() > 0.9 and (digit.image > 0.5).sum() > 20


def test_big_images_are_reduced_right_after_decoding():
    data = png(drawn_digit(size=(4000, 3000), box=(1500, 500, 2000, 2500)))  # 12 megapixels
    steps = dict(prepare_digit(data).steps)
    assert max(steps["grayscale"].shape) == 2048


def test_streamlit_refuses_uploads_above_the_apps_own_limit():
    import tomllib

    from ae.preprocess import MAX_BYTES
    from conftest import ROOT
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 2**20 == MAX_BYTES
