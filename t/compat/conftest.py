"""pytest setup for the mod_fcgid compatibility suite (t/compat): the
private-httpd harness of t/integration (httpd.py) and the corpus
(cases.py) on the import path."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
sys.path.insert(0, HERE)
