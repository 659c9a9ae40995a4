"""The official forms of Circular 01/2018 (receipt, supplement guidance, refusal, apology, control
sheet, tracking book) as PDF and Excel.
"""
