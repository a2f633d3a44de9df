"""noticegen: the National Health Insurance 加入者情報のお知らせ, from a member file to print, web and counter.

Data flows one way: records → view → render → edges (cli, batch, site, preview, catalog).
"""

__version__ = "0.1.0"
