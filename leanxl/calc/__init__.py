"""LibreOffice Calc host: the registry as a Calc add-in extension (``.oxt``).

``leanxl libreoffice install`` builds the extension (:mod:`.extension`) and adds it to a user
profile (:mod:`.install`); inside LibreOffice, :mod:`.component` serves every ``LEANXL_*``
function from LibreOffice's own Python, converting cells with :mod:`.cells`.  The names Calc
knows the functions by, and the interface's IDL, are in :mod:`.names`.
"""
