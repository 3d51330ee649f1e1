"""callcenter.reports"""
