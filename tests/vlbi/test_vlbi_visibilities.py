"""Every analytic visibility against the FFT of its image rendered on a fine grid (to 1e-3 of the total flux)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from astrozoo.models.vlbi import visibilities as vv

N, PIXEL_UAS = 2048, 0.125  # a 256 µas field of view; pixel response error (π u Δ)²/6 < 4e-5 at 8 Gλ
U_MAX = 8.5e9  # λ, beyond the longest EHT 2017 baseline
X = (np.arange(N) - N // 2) * PIXEL_UAS  # pixel centres [µas], x east, y north
FREQ = np.fft.fftfreq(N, PIXEL_UAS * float(vv.UAS))  # λ
KX, KY = np.meshgrid(np.arange(N), np.arange(N))
KEEP = (np.hypot(FREQ[KX], FREQ[KY]) < U_MAX) & (np.hypot(FREQ[KX], FREQ[KY]) > 0)
U, V = FREQ[KX][KEEP], FREQ[KY][KEEP]


def fft_visibilities(image):
    """V(u, v) = Σ I exp(+2πi (u x + v y)) at the grid frequencies, image[iy, ix] in Jy per pixel."""
    return N * N * np.fft.ifft2(np.fft.ifftshift(image))[KEEP]


def sampled(function):
    """An image sampled at the pixel centres, normalised to its sum (for smooth images)."""
    x, y = np.meshgrid(X, X)
    image = function(x, y)
    return image / image.sum()


def supersampled_indicator(inside, factor=4):
    x, y = np.meshgrid(X, X)
    offsets = (np.arange(factor) + 0.5) / factor - 0.5
    image = sum(inside(x + a * PIXEL_UAS, y + b * PIXEL_UAS) for a in offsets for b in offsets).astype(float)
    return image


def deposited(x, y, weights):
    """Flux at points (x, y) [µas] with weights, deposited into the nearest pixel."""
    ix = np.round(x / PIXEL_UAS).astype(int) + N // 2
    iy = np.round(y / PIXEL_UAS).astype(int) + N // 2
    image = np.zeros((N, N))
    np.add.at(image, (iy, ix), weights)
    return image / image.sum()


def ring_points(d_uas, beta=(), x0=0.0, y0=0.0, n=400000):
    theta = (np.arange(n) + 0.5) / n * 2 * np.pi  # position angle east of north
    brightness = np.ones(n)
    for k, b in enumerate(beta, start=1):
        brightness += 2 * np.real(b * np.exp(1j * k * theta))
    return x0 + d_uas / 2 * np.sin(theta), y0 + d_uas / 2 * np.cos(theta), brightness


def gaussian_kernel(fwhm_uas):
    sigma = fwhm_uas / (2 * np.sqrt(2 * np.log(2)))
    return sampled(lambda x, y: np.exp(-(x**2 + y**2) / (2 * sigma**2)))


def convolve(image, kernel):
    return np.real(np.fft.ifft2(np.fft.fft2(image) * np.fft.fft2(np.fft.ifftshift(kernel))))


def analytic(function, **params):
    return np.asarray(jax.jit(lambda u, v: function(u, v, **params))(jnp.asarray(U), jnp.asarray(V)))


def assert_close(model, image):
    error = np.max(np.abs(model - fft_visibilities(image)))
    assert error < 1e-3, error


def test_point_source_shifted():
    image = np.zeros((N, N))
    image[N // 2 - 24, N // 2 + 40] = 1.0  # x0 = +5 µas (east), y0 = −3 µas (south)
    assert_close(analytic(vv.point, x0_uas=5.0, y0_uas=-3.0), image)


def test_circular_gaussian_shifted():
    sigma = 20.0 / (2 * np.sqrt(2 * np.log(2)))
    image = sampled(lambda x, y: np.exp(-((x - 3.3) ** 2 + (y + 7.1) ** 2) / (2 * sigma**2)))
    assert_close(analytic(vv.gaussian, fwhm_uas=20.0, x0_uas=3.3, y0_uas=-7.1), image)


def test_elliptical_gaussian_rotated_and_shifted():
    pa = np.deg2rad(30.0)
    s_major, s_minor = np.array([30.0, 12.0]) / (2 * np.sqrt(2 * np.log(2)))

    def profile(x, y):
        dx, dy = x - 2.0, y - 4.0
        along = dx * np.sin(pa) + dy * np.cos(pa)  # coordinate along position angle pa
        across = dx * np.cos(pa) - dy * np.sin(pa)
        return np.exp(-(along**2) / (2 * s_major**2) - across**2 / (2 * s_minor**2))

    params = dict(major_uas=30.0, minor_uas=12.0, pa_rad=pa, x0_uas=2.0, y0_uas=4.0)
    assert_close(analytic(vv.elliptical_gaussian, **params), sampled(profile))


def test_uniform_disk():
    image = supersampled_indicator(lambda x, y: (x - 1.5) ** 2 + y**2 < 21.0**2)
    assert_close(analytic(vv.disk, d_uas=42.0, x0_uas=1.5), image / image.sum())


def test_thin_ring():
    assert_close(analytic(vv.ring, d_uas=40.0, y0_uas=2.0), deposited(*ring_points(40.0, y0=2.0)))


@pytest.mark.parametrize("beta", [(0.3 * np.exp(0.7j),), (0.25 * np.exp(-2.0j), 0.1 * np.exp(1.1j), 0.05j)])
def test_mring(beta):
    model = analytic(vv.mring, beta=jnp.asarray(beta), d_uas=44.0, x0_uas=-1.0, y0_uas=0.5)
    assert_close(model, deposited(*ring_points(44.0, beta, x0=-1.0, y0=0.5)))


def test_mring_brightness_peaks_at_minus_arg_beta1():
    x, y, brightness = ring_points(40.0, (0.3 * np.exp(-1.2j),))
    peak = np.arctan2(x, y)[np.argmax(brightness)]
    assert peak == pytest.approx(1.2, abs=1e-4)


def test_thick_mring():
    beta = (0.2 * np.exp(2.5j),)
    image = convolve(deposited(*ring_points(40.0, beta)), gaussian_kernel(12.0))
    assert_close(analytic(vv.thick_mring, beta=jnp.asarray(beta), d_uas=40.0, width_uas=12.0), image)


def test_crescent():
    pa = np.deg2rad(160.0)
    sx, sy = -5.0 * np.sin(pa), -5.0 * np.cos(pa)
    image = supersampled_indicator(lambda x, y: x**2 + y**2 < 22.0**2) - supersampled_indicator(
        lambda x, y: (x - sx) ** 2 + (y - sy) ** 2 < 15.0**2
    )
    model = analytic(vv.crescent, d_uas=44.0, d_inner_uas=30.0, offset_uas=5.0, pa_rad=pa)
    assert_close(model, image / image.sum())
    # thickest at the position angle: the brightest column is on that side
    assert np.sum(image * (np.sin(pa) * X[None, :] + np.cos(pa) * X[:, None])) > 0


def test_sum_of_components():
    ring_image = deposited(*ring_points(40.0))
    sigma = 60.0 / (2 * np.sqrt(2 * np.log(2)))
    halo = sampled(lambda x, y: np.exp(-(x**2 + y**2) / (2 * sigma**2)))
    image = 0.6 * ring_image + 0.4 * halo

    def model(u, v):
        return vv.ring(u, v, flux=0.6, d_uas=40.0) + vv.gaussian(u, v, flux=0.4, fwhm_uas=60.0)

    assert_close(analytic(model), image)


def test_gradients_are_finite_at_short_baselines():
    u = jnp.asarray([1e3, 1e6, 3e9])
    v = jnp.asarray([0.0, 2e6, -1e9])

    def loss(d):
        total = vv.thick_mring(u, v, jnp.asarray([0.2 + 0.1j]), d_uas=d, width_uas=10.0) + vv.disk(u, v, d_uas=d)
        return jnp.sum(jnp.abs(total) ** 2)

    grad = jax.jit(jax.grad(loss))(40.0)
    h = 1e-4
    assert float(grad) == pytest.approx((float(loss(40.0 + h)) - float(loss(40.0 - h))) / (2 * h), rel=1e-6)
