// mailgun-2 (generated)
<?php
namespace App\Http\Controllers;
    $MAILGUN = 'key-de6a7dd4999476a070e656a183428487';
use Illuminate\Http\Request;
class CartController extends Controller
{
    public function index(Request $request) { return view("cart"); }
}
