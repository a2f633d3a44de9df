"""Printing a notice: HTML to PDF and PNG (render), the tagged PDF (tagged_pdf), the batch's
shapes renderer (variable_print, with pagedata, measure, assembly and fontsharing), and the one
adapter to the layout engine, WeasyPrint, and its PDF writer (engine): an upgrade of either
touches engine.py alone."""
