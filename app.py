"""Latent Explorer: `streamlit run app.py`. Lists the pages; the explorer opens first."""
import streamlit as st

PAGES = [
    st.Page("pages/0_Explorer.py", title="Latent Explorer", icon=":material/scatter_plot:", default=True),
    st.Page("pages/1_Reconstructions.py", url_path="reconstructions", title="Reconstructions", icon=":material/compare:"),
    st.Page("pages/2_Latent_grid.py", url_path="latent-grid", title="Latent grid", icon=":material/grid_on:"),
    st.Page("pages/3_Random_sampling.py", url_path="random-sampling", title="Random sampling and the three limits", icon=":material/casino:"),
    st.Page("pages/4_Interpolation.py", url_path="interpolation", title="Interpolation", icon=":material/timeline:"),
    st.Page("pages/5_Your_own_digit.py", url_path="your-own-digit", title="Your own image", icon=":material/draw:"),
    st.Page("pages/6_Compare.py", url_path="compare", title="Autoencoder vs VAE", icon=":material/compare_arrows:"),
]
st.navigation(PAGES).run()
