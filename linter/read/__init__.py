"""Readers: one per container. Each turns a file into Records whose every Value knows its file:line:col.

A reader never decides what is wrong with a record; it only reports input it cannot read (SN001 / SN002).
"""
