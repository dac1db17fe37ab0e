import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ae.preprocess import InvalidImage, centre_by_mass, prepare_digit, prepare_image


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
    with pytest.raises(InvalidImage, match="PNG, JPG, GIF, BMP or WebP; at most 20 MB and 12 megapixels"):
        prepare_digit(tiff)


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
