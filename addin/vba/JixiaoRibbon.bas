Attribute VB_Name = "JixiaoRibbon"
' Ribbon callbacks of the jixiao add-in.
'
' Every button of addin/ribbon/customUI14.xml has onAction="JX_OnAction". The button id
' (jx_validate, jx_recalc, jx_report, jx_next_year, jx_settings, jx_help) is handed to Python through
' xlwings' RunPython, where jixiao.addin.actions.on_button(button_id) does the work on the active
' workbook (xlwings passes ActiveWorkbook as the caller of a custom add-in).
'
' VBA source is code page 1252: Chinese text is written with ChrW, its meaning in the comments.
Option Explicit

Public Sub JX_OnAction(control As IRibbonControl)
    Dim buttonId As String
    buttonId = control.Id
    ' Only ids made of a-z, 0-9 and _ go into the Python command.
    If Len(buttonId) = 0 Or buttonId Like "*[!a-z0-9_]*" Then
        ' "Unknown button: "
        MsgBox ChrW(&H672A) & ChrW(&H77E5) & ChrW(&H6309) & ChrW(&H94AE) & ChrW(&HFF1A) & buttonId, _
            vbExclamation, JX_Title()
        Exit Sub
    End If
    On Error GoTo failed
    RunPython "import jixiao.addin.actions; jixiao.addin.actions.on_button('" & buttonId & "')"
    Exit Sub
failed:
    ' "The jixiao add-in cannot run Python: <error>"
    ' "Set Interpreter_Win (the full path of python.exe) in %USERPROFILE%\.jixiao\jixiao.conf,
    '  see Help."
    MsgBox ChrW(&H7EE9) & ChrW(&H6548) & ChrW(&H81EA) & ChrW(&H8BC4) & ChrW(&H52A0) & ChrW(&H8F7D) _
        & ChrW(&H9879) & ChrW(&H65E0) & ChrW(&H6CD5) & ChrW(&H8FD0) & ChrW(&H884C) & " Python" _
        & ChrW(&HFF1A) & Err.Description & vbCrLf & vbCrLf _
        & ChrW(&H8BF7) & ChrW(&H5728) & " %USERPROFILE%\.jixiao\jixiao.conf " & ChrW(&H4E2D) _
        & ChrW(&H8BBE) & ChrW(&H7F6E) & " Interpreter_Win" & ChrW(&HFF08) & "python.exe " _
        & ChrW(&H7684) & ChrW(&H5B8C) & ChrW(&H6574) & ChrW(&H8DEF) & ChrW(&H5F84) & ChrW(&HFF09) _
        & ChrW(&HFF0C) & ChrW(&H8BE6) & ChrW(&H89C1) & ChrW(&H5E2E) & ChrW(&H52A9) & ChrW(&H3002), _
        vbExclamation, JX_Title()
End Sub

Private Function JX_Title() As String
    ' "Performance self-evaluation" (the tab's name)
    JX_Title = ChrW(&H7EE9) & ChrW(&H6548) & ChrW(&H81EA) & ChrW(&H8BC4)
End Function
